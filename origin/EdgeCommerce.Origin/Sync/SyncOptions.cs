using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Origin.Sync;

/// <summary>How the origin serves watch streams.</summary>
public sealed class SyncOptions
{
    public const string SectionName = "Sync";

    /// <summary>Idle time after which a stream gets a heartbeat with the head revision. The default is 2 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Most change records in one batch. The default is 256.</summary>
    [Range(1, 100_000)]
    public int MaxChangesPerBatch { get; set; } = 256;
}
