using System.Diagnostics.Metrics;
using EdgeCommerce.ServiceDefaults.Observability;

namespace EdgeCommerce.Edge.Catalog;

/// <summary>How a widget request was answered: the closed set of values of the <c>result</c> tag.</summary>
internal enum WidgetResult
{
    /// <summary>Served from bytes already rendered for the replica's revision.</summary>
    Hit,

    /// <summary>Rendered by this request (the first for this creator revision).</summary>
    Miss,

    /// <summary>Served (hit or miss) while the edge's link to the origin is down: the replica may be behind.</summary>
    Stale,

    /// <summary>304: the browser's copy (If-None-Match) is the current revision.</summary>
    NotModified,

    /// <summary>404: no such creator in the replica.</summary>
    NotFound,

    /// <summary>503: the edge holds no replica yet.</summary>
    Unavailable,
}

/// <summary>
/// Widget metrics. The widget's pre-rendered cache (<see cref="WidgetCache"/>) counts hits, misses
/// and stale serves here, where the decision is made. Every widget request is counted exactly once.
/// <list type="bullet">
/// <item><c>edgecommerce.catalog.widget.requests</c> ({request}), tag <c>result</c>:
/// <c>hit</c>, <c>miss</c>, <c>stale</c>, <c>not_modified</c>, <c>not_found</c>, <c>unavailable</c>.</item>
/// <item><c>edgecommerce.catalog.widget.render.duration</c> (s): rendering a widget on a miss.</item>
/// </list>
/// </summary>
internal sealed class WidgetMetrics
{
    public const string MeterName = TelemetryNames.CatalogMeter;
    public const string RequestsName = "edgecommerce.catalog.widget.requests";
    public const string RenderDurationName = "edgecommerce.catalog.widget.render.duration";

    private static readonly KeyValuePair<string, object?>[] s_tags =
    [
        new(TelemetryNames.ResultTag, "hit"),
        new(TelemetryNames.ResultTag, "miss"),
        new(TelemetryNames.ResultTag, "stale"),
        new(TelemetryNames.ResultTag, "not_modified"),
        new(TelemetryNames.ResultTag, "not_found"),
        new(TelemetryNames.ResultTag, "unavailable"),
    ];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _renderDuration;
    private readonly RollingCounts _recent;

    public WidgetMetrics(IMeterFactory meterFactory, TimeProvider timeProvider)
    {
        var meter = meterFactory.Create(TelemetryNames.CatalogMeter);
        _requests = meter.CreateCounter<long>(RequestsName, "{request}",
            "Widget requests by how they were answered: hit, miss (rendered now), stale (served while the link to the origin is down), not_modified, not_found, unavailable.");
        _renderDuration = meter.CreateHistogram<double>(RenderDurationName, "s",
            "Time to render a widget from the replica, once per creator revision (on a miss).");
        _recent = new RollingCounts(s_tags.Length, timeProvider);
    }

    public void Record(WidgetResult result)
    {
        _recent.Increment((int)result);
        if (_requests.Enabled)
        {
            _requests.Add(1, s_tags[(int)result]);
        }
    }

    public void RecordRender(TimeSpan elapsed)
    {
        if (_renderDuration.Enabled)
        {
            _renderDuration.Record(elapsed.TotalSeconds);
        }
    }

    /// <summary>Counts per result over the last minute, and the hit ratio per second (null in a second without hits or misses).</summary>
    public WidgetCacheView Recent()
    {
        var totals = _recent.Totals();
        var series = _recent.Series().Select(static s => Ratio(s[(int)WidgetResult.Hit], s[(int)WidgetResult.Miss])).ToList();
        return new WidgetCacheView(totals[(int)WidgetResult.Hit], totals[(int)WidgetResult.Miss], totals[(int)WidgetResult.Stale],
            totals[(int)WidgetResult.NotModified], totals[(int)WidgetResult.NotFound], totals[(int)WidgetResult.Unavailable],
            Ratio(totals[(int)WidgetResult.Hit], totals[(int)WidgetResult.Miss]), series);
    }

    private static double? Ratio(long hits, long misses) => hits + misses == 0 ? null : Math.Round((double)hits / (hits + misses), 4);
}

/// <summary>The widget cache over the last minute, for the dashboard and the load report.</summary>
internal sealed record WidgetCacheView(long Hits, long Misses, long Stale, long NotModified, long NotFound, long Unavailable,
    double? HitRatio, IReadOnlyList<double?> Series);
