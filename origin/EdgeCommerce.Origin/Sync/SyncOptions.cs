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

    /// <summary>A snapshot chunk is sent once it holds this many bytes of catalogs. The default is 1 MiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int SnapshotChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Change records beyond this many (the newest are kept) may be compacted away; 0 keeps every
    /// record. An edge further behind than the compacted horizon gets a snapshot. The default is 10,000.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int CompactionKeepChanges { get; set; } = 10_000;

    /// <summary>Change records older than this may be compacted away. The default is 24 hours.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan CompactionMaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often compaction runs. The default is 1 minute.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromMinutes(1);
}
