using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Edge.Streams;

/// <summary>
/// Caps on long-lived anonymous requests (a drop's server-sent events, the status long-poll with
/// <c>wait</c>): each holds a connection, a request and a wake-up per revision for as long as the
/// caller likes, so without a cap one client could hold them all. Over a cap: 503 with
/// <c>Retry-After</c>.
/// </summary>
public sealed class StreamsOptions
{
    public const string SectionName = "Streams";

    /// <summary>Long-lived requests open at once on this edge, from everyone. The default is 10,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxPerEdge { get; set; } = 10_000;

    /// <summary>
    /// Long-lived requests open at once from one client network (an IPv4 address or an IPv6 /64;
    /// a viewer's page needs one or two). The default is 16.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPerClient { get; set; } = 16;

    /// <summary>What <c>Retry-After</c> says to a refused caller. The default is 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}
