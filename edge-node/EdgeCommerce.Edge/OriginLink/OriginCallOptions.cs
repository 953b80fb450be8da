using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Edge.OriginLink;

/// <summary>
/// The resilience of every unary call the edge makes to the origin (section <c>Origin</c>): leases,
/// confirmations, returns, RSVPs and RSVP checks, event forwarding. Each origin replica gets its own
/// circuit breaker; each attempt its own timeout. There are no retries: the callers (viewers with
/// Retry-After, the sweep, the event forwarder's backoff) already retry.
/// </summary>
public sealed class OriginCallOptions
{
    public const string SectionName = "Origin";

    /// <summary>
    /// How long one call to one origin replica may take before it counts as a failure (a hung
    /// origin answers nothing, so this bounds what a viewer waits for it). The default is 3 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The share of failed calls (timeouts, Unavailable, DeadlineExceeded) within
    /// <see cref="SamplingDuration"/> that opens a replica's circuit. The default is 0.5.
    /// </summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Calls within <see cref="SamplingDuration"/> before the failure ratio counts. The default is 2 calls.</summary>
    [Range(2, 10_000)]
    public int MinimumThroughput { get; set; } = 2;

    /// <summary>The window the failure ratio is measured over. The default is 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an open circuit answers at once before one call is let through as a probe. This is
    /// the longest a recovered origin waits before edges use it again. The default is 1 second.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:05:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(1);
}
