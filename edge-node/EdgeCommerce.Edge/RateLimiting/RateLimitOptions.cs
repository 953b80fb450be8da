using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Edge.RateLimiting;

/// <summary>
/// Token buckets for personal endpoints (recommendations, reservations), keyed by the validated
/// token only: one per viewer (creator + subject) and one per creator, both must admit a request.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Requests one viewer may make at once before the steady rate applies. The default is 20.</summary>
    [Range(1, 1_000_000)]
    public int ViewerBurst { get; set; } = 20;

    /// <summary>One viewer's steady rate, requests per second. The default is 10.</summary>
    [Range(0.01, 1_000_000)]
    public double ViewerPerSecond { get; set; } = 10;

    /// <summary>Requests all of one creator's viewers may make at once on this edge. The default is 5,000.</summary>
    [Range(1, 10_000_000)]
    public int CreatorBurst { get; set; } = 5_000;

    /// <summary>All of one creator's viewers on this edge, requests per second. The default is 2,000.</summary>
    [Range(0.01, 10_000_000)]
    public double CreatorPerSecond { get; set; } = 2_000;
}
