using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Catalog;
using EdgeCommerce.ServiceDefaults.Observability;

namespace EdgeCommerce.Edge.Observability;

/// <summary>
/// What this edge tells its origin about its traffic (the <c>load</c> field of an Ack), so the
/// origin's overview can show every edge's P95 without scraping each one.
/// </summary>
/// <param name="funnel">Per-drop funnel counts for the creator's drop report; they ride on the same ack.</param>
internal sealed class EdgeLoadReport(RequestLatencyWindow window, WidgetMetrics widgets, Drops.Funnel.DropFunnel? funnel = null)
{
    /// <summary>How often at most a report rides on the stream.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public EdgeLoad Build()
    {
        var overall = window.Overall();
        var load = new EdgeLoad
        {
            RequestsPerSecond = Math.Round(overall.RequestsPerSecond, 3),
            Requests = overall.Count,
            ServerErrors = overall.ServerErrors,
        };
        if (overall.P50Ms is { } p50)
        {
            load.P50Ms = p50;
        }

        if (overall.P95Ms is { } p95)
        {
            load.P95Ms = p95;
        }

        if (overall.P99Ms is { } p99)
        {
            load.P99Ms = p99;
        }

        if (widgets.Recent().HitRatio is { } ratio)
        {
            load.CacheHitRatio = ratio;
        }

        funnel?.AddTo(load);
        return load;
    }
}
