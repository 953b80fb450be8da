using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>Recommendations on the edge (<c>Recommendations:*</c>).</summary>
internal sealed class RecommendationsOptions
{
    public const string SectionName = "Recommendations";

    /// <summary>The largest <c>k</c> a request may ask for. The default is 50.</summary>
    [Range(1, 500)]
    public int MaxK { get; set; } = 50;

    /// <summary>Viewers whose recent history is kept in memory (least recently used leave first). The default is 100,000.</summary>
    [Range(1, 10_000_000)]
    public int MaxViewers { get; set; } = 100_000;

    /// <summary>Recent interactions kept per viewer. The default is 50.</summary>
    [Range(1, 1000)]
    public int HistoryPerViewer { get; set; } = 50;

    /// <summary>How long an idle viewer's history is kept. The default is 2 hours.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan HistoryIdleExpiry { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Events a single <c>POST /v1/events</c> may carry. The default is 100.</summary>
    [Range(1, 1000)]
    public int MaxEventsPerRequest { get; set; } = 100;

    /// <summary>Largest accepted <c>POST /v1/events</c> body, in bytes. The default is 32 KiB.</summary>
    [Range(256, 1024 * 1024)]
    public int MaxEventsBodyBytes { get; set; } = 32 * 1024;

    /// <summary>Events buffered for the origin; when full, the oldest are dropped (and counted). The default is 10,000.</summary>
    [Range(1, 1_000_000)]
    public int UpstreamBufferCapacity { get; set; } = 10_000;

    /// <summary>Events per upstream gRPC call (the origin takes at most 1,000 and 64 KiB per call). The default is 200.</summary>
    [Range(1, 1000)]
    public int UpstreamBatchSize { get; set; } = 200;

    /// <summary>Longest wait before a partial batch is sent upstream. The default is 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan UpstreamFlushInterval { get; set; } = TimeSpan.FromSeconds(1);
}
