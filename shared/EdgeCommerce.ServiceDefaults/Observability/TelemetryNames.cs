namespace EdgeCommerce.ServiceDefaults.Observability;

/// <summary>Meter, activity-source and tag names shared by both hosts (closed sets only, never ids).</summary>
public static class TelemetryNames
{
    /// <summary>Every meter and activity source of ours starts with this (subscribed as <c>EdgeCommerce.*</c>).</summary>
    public const string Prefix = "EdgeCommerce";

    /// <summary>The meter of the catalog widgets (edge).</summary>
    public const string CatalogMeter = "EdgeCommerce.Catalog";

    /// <summary>The meter of the sync stream (both hosts).</summary>
    public const string SyncMeter = "EdgeCommerce.Sync";

    /// <summary>The activity source of the sync stream (both hosts).</summary>
    public const string SyncActivitySource = "EdgeCommerce.Sync";

    /// <summary>ASP.NET Core's request meter and its duration histogram (OpenTelemetry semantic conventions).</summary>
    public const string HostingMeter = "Microsoft.AspNetCore.Hosting";

    public const string RequestDuration = "http.server.request.duration";

    public const string RouteTag = "http.route";

    public const string StatusCodeTag = "http.response.status_code";

    /// <summary>Tag: how a request was answered (values: see each instrument).</summary>
    public const string ResultTag = "result";

    /// <summary>Tag: a link or edge state (values: see each instrument).</summary>
    public const string StateTag = "state";

    /// <summary>Tag: why the origin sent a snapshot (values: <c>new</c>, <c>cluster</c>, <c>ahead</c>, <c>compacted</c>).</summary>
    public const string ReasonTag = "reason";

    /// <summary>
    /// Histogram bucket boundaries for durations in seconds: fine below a millisecond (a cached
    /// widget takes tens of microseconds), then the usual 1-2.5-5 steps up to 10 s, so a P95 read
    /// from the buckets is within one bucket of the truth from 50 µs upwards.
    /// </summary>
    public static readonly double[] DurationBuckets =
    [
        0.00005, 0.0001, 0.00015, 0.0002, 0.0003, 0.0004, 0.0005, 0.00075,
        0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075,
        0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10,
    ];
}
