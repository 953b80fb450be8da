using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Edge.Relay;

/// <summary>
/// An edge that also serves the sync protocol to edges below it (a regional relay). Downstream
/// edges dial the Kestrel endpoint named <c>Relay</c> (<c>Kestrel:Endpoints:Relay:Url</c>,
/// <c>Protocols=Http2</c>).
/// </summary>
public sealed class RelayOptions
{
    public const string SectionName = "Relay";

    /// <summary>Serve <c>CatalogSync.Sync</c> to downstream edges. The default is false.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Change records kept in memory for downstream edges that resume; one further behind gets a
    /// snapshot from this edge's replica. The default is 10,000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int LogCapacity { get; set; } = 10_000;

    /// <summary>Idle time after which a downstream stream gets a heartbeat. The default is 2 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most often the downstream edges' acknowledgements go upstream between heartbeats, as one
    /// report of what changed (the origin's work per write then does not grow with the edges behind
    /// this relay). Every upstream heartbeat also carries one. The default is 1 second.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A snapshot chunk is sent once it holds this many bytes of catalogs. The default is 1 MiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int SnapshotChunkBytes { get; set; } = 1024 * 1024;
}
