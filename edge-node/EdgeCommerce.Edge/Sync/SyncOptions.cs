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

    /// <summary>
    /// The origin replica for drop inventory calls (leases, confirms, RSVPs, holds) and forwarded
    /// events, when <see cref="OriginAddress"/> names a relay (which serves the sync stream only).
    /// The default is none: those calls go to the sync addresses, as for an edge that syncs from the origin.
    /// </summary>
    public Uri? InventoryAddress { get; set; }

    /// <summary>More origin replicas for inventory calls, tried in order after <see cref="InventoryAddress"/>. The default is none.</summary>
    public List<Uri> InventoryAddresses { get; set; } = [];

    /// <summary>
    /// The edge's access token for the origin (audience <c>edgecommerce:origin</c>, scope
    /// <c>edge:sync</c>, subject this edge's id), as <c>./edgecommerce token</c> or
    /// <c>POST /admin/v1/tokens</c> mints it. Prefer <see cref="TokenPath"/> outside tests: a value
    /// here shows in the process's configuration sources.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>A file holding the token (read at every connection, so it can be replaced while the edge runs). Wins over <see cref="Token"/>.</summary>
    public string? TokenPath { get; set; }

    /// <summary>
    /// A PEM or DER certificate to trust as the root for the origin's TLS certificate, instead of
    /// the system store (a private CA, or the origin's self-signed certificate). The default is the system store.
    /// </summary>
    public string? TrustedCertificatePath { get; set; }

    /// <summary>How often, at most, the replica is written to disk when it changed. The default is 500 milliseconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// True when <paramref name="address"/> may carry the bearer token: https anywhere, cleartext
    /// http only to a loopback address (the local demo). Tokens never cross a network in cleartext.
    /// </summary>
    public static bool MayCarryToken(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Scheme == Uri.UriSchemeHttps || (address.Scheme == Uri.UriSchemeHttp && address.IsLoopback);
    }

    /// <summary>Every origin address to try, in order: <see cref="OriginAddress"/>, then <see cref="OriginAddresses"/>.</summary>
    public IReadOnlyList<Uri> AllOriginAddresses()
        => (OriginAddress is null ? OriginAddresses : [OriginAddress, .. OriginAddresses]).Distinct().ToList();

    /// <summary>Where inventory calls go, in order: <see cref="InventoryAddress"/> and <see cref="InventoryAddresses"/>, or, with neither set, <see cref="AllOriginAddresses"/>.</summary>
    public IReadOnlyList<Uri> AllInventoryAddresses()
    {
        var inventory = (InventoryAddress is null ? InventoryAddresses : [InventoryAddress, .. InventoryAddresses]).Distinct().ToList();
        return inventory.Count > 0 ? inventory : AllOriginAddresses();
    }

    /// <summary>First reconnect delay after a stream that delivered messages. The default is 100 milliseconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest reconnect delay. The default is 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// While the edge follows a fallback (any sync address but the first, e.g. the origin after its
    /// regional relay went away), it goes back to the first address after a random delay between
    /// half of this and all of it (so the edges of a restarted relay do not all come back at once):
    /// the fallback stream is ended, the first address is tried from the held revision, and when it
    /// still delivers nothing the edge moves on along the list at once. The default is 30 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ReturnInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When the edge tries the first address again (see <see cref="ReturnInterval"/>), that address
    /// has this long (at most <see cref="IdleTimeout"/>) to send its first message; the origin and a
    /// relay send a heartbeat as soon as a stream opens. A relay that is up but hung (accepting
    /// connections, answering nothing) would otherwise hold the edge off every stream for a whole
    /// idle timeout at each return. The default is 2 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ReturnTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A stream silent for this long is taken for dead and reopened. The origin sends heartbeats
    /// every 2 seconds by default. The default is 10 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
