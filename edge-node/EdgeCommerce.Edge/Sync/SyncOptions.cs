using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Edge.Sync;

/// <summary>How the edge follows the origin.</summary>
public sealed class SyncOptions
{
    public const string SectionName = "Sync";

    /// <summary>The origin's gRPC address, for example <c>http://127.0.0.1:5081</c>. Required unless <see cref="OriginAddresses"/> is set.</summary>
    public Uri? OriginAddress { get; set; }

    /// <summary>
    /// Several origin replicas (sharing one database) to fail over between, tried in order after
    /// <see cref="OriginAddress"/>. The default is none.
    /// </summary>
    public List<Uri> OriginAddresses { get; set; } = [];

    /// <summary>How often, at most, the replica is written to disk when it changed. The default is 500 milliseconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Every origin address to try, in order: <see cref="OriginAddress"/>, then <see cref="OriginAddresses"/>.</summary>
    public IReadOnlyList<Uri> AllOriginAddresses()
        => (OriginAddress is null ? OriginAddresses : [OriginAddress, .. OriginAddresses]).Distinct().ToList();

    /// <summary>First reconnect delay after a stream that delivered messages. The default is 100 milliseconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest reconnect delay. The default is 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A stream silent for this long is taken for dead and reopened. The origin sends heartbeats
    /// every 2 seconds by default. The default is 10 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
