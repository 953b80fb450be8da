using System.Collections.Concurrent;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.ServiceDefaults.Observability;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Edges;

/// <summary>
/// The latest traffic report of each edge connected to this origin process (the <c>load</c> of its
/// acks), for the overview dashboard. In memory only: a report older than
/// <see cref="ObservabilityOptions.ReportTimeToLive"/> is not shown. Values an edge cannot have
/// measured (negative, not finite, a ratio above 1) are dropped, never stored.
/// </summary>
internal sealed class EdgeLoadReports(TimeProvider timeProvider, IOptions<ObservabilityOptions> options)
{
    private readonly ConcurrentDictionary<string, (EdgeLoadView Load, long At)> _reports = new(StringComparer.Ordinal);

    public void Report(string edgeId, EdgeLoad load)
    {
        if (!IsSane(load))
        {
            return;
        }

        var view = new EdgeLoadView(
            load.HasP50Ms ? load.P50Ms : null,
            load.HasP95Ms ? load.P95Ms : null,
            load.HasP99Ms ? load.P99Ms : null,
            load.RequestsPerSecond,
            load.HasCacheHitRatio ? load.CacheHitRatio : null,
            load.Requests,
            load.ServerErrors,
            0);
        _reports[edgeId] = (view, timeProvider.GetTimestamp());
    }

    /// <summary>The edge's latest report with its age, or null when it has none that is recent enough.</summary>
    public EdgeLoadView? Latest(string edgeId)
    {
        if (!_reports.TryGetValue(edgeId, out var entry))
        {
            return null;
        }

        var age = timeProvider.GetElapsedTime(entry.At);
        return age > options.Value.ReportTimeToLive ? null : entry.Load with { AgeSeconds = Math.Round(age.TotalSeconds, 1) };
    }

    private static bool IsSane(EdgeLoad load)
        => Valid(load.HasP50Ms, load.P50Ms) && Valid(load.HasP95Ms, load.P95Ms) && Valid(load.HasP99Ms, load.P99Ms)
        && Valid(true, load.RequestsPerSecond) && load.Requests >= 0 && load.ServerErrors >= 0
        && (!load.HasCacheHitRatio || (double.IsFinite(load.CacheHitRatio) && load.CacheHitRatio is >= 0 and <= 1));

    private static bool Valid(bool present, double value) => !present || (double.IsFinite(value) && value >= 0);
}

/// <summary>One edge's traffic over its last minute, as it reported it (milliseconds).</summary>
internal sealed record EdgeLoadView(double? P50Ms, double? P95Ms, double? P99Ms, double RequestsPerSecond, double? HitRatio,
    long Requests, long ServerErrors, double AgeSeconds);
