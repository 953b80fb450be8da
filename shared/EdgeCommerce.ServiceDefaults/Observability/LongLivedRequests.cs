using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.ServiceDefaults.Observability;

/// <summary>The closed set of long-lived request kinds (the <c>kind</c> tag of the stream metrics).</summary>
public static class StreamKinds
{
    /// <summary>Server-sent events (a drop's live stock).</summary>
    public const string ServerSentEvents = "sse";

    /// <summary>A request that waits for something before it answers (the edge status with <c>wait</c>).</summary>
    public const string LongPoll = "long_poll";

    /// <summary>A gRPC call whose request or response is a stream (the sync stream).</summary>
    public const string GrpcStream = "grpc_stream";
}

/// <summary>Endpoint metadata: every request to the endpoint is long-lived (see <see cref="LongLivedRequests"/>).</summary>
public sealed record LongLivedEndpointMetadata(string Kind);

/// <summary>
/// Long-lived responses (server-sent events, long-polls, gRPC streams) last as long as the viewer
/// keeps the page open: a request-latency percentile that counted them would show every drop as an
/// outage. A request marked here is left out of <c>http.server.request.duration</c> (so out of the
/// Prometheus buckets PromQL users aggregate and out of <see cref="RequestLatencyWindow"/>) and
/// counted instead as an open stream while it lasts (<c>edgecommerce.http.streams.open</c>) and
/// by its duration when it ends (<c>edgecommerce.http.stream.duration</c>). Requests that matched
/// no route (a browser's <c>/favicon.ico</c>, scanners) are left out the same way and only counted
/// (<c>edgecommerce.http.unmatched_requests</c>): the headline is the viewers' routes.
/// </summary>
public sealed class LongLivedRequests
{
    /// <summary>The meter of the stream and unmatched-request instruments.</summary>
    public const string MeterName = TelemetryNames.Prefix + ".Http";

    private const string KindTag = "kind";

    // A stream lasts from seconds (a viewer glancing) to hours (a page left open).
    private static readonly double[] s_durationBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14400];

    private readonly UpDownCounter<long> _open;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _unmatched;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, KindCounts> _kinds = new(StringComparer.Ordinal);
    private readonly RollingCounts _unmatchedRecent;

    public LongLivedRequests(IMeterFactory meterFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _timeProvider = timeProvider;
        _unmatchedRecent = new RollingCounts(1, timeProvider);
        var meter = meterFactory.Create(MeterName);
        _open = meter.CreateUpDownCounter<long>("edgecommerce.http.streams.open", "{stream}",
            "Long-lived requests (server-sent events, long-polls, gRPC streams) open now; they are not in http.server.request.duration.");
        _duration = meter.CreateHistogram("edgecommerce.http.stream.duration", "s",
            "How long each long-lived request stayed open.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        _unmatched = meter.CreateCounter<long>("edgecommerce.http.unmatched_requests", "{request}",
            "Requests that matched no route (favicon probes, scanners); they are not in http.server.request.duration.");
    }

    /// <summary>
    /// Marks <paramref name="context"/> as long-lived: out of the request-duration metric, counted as
    /// open until the request ends. Idempotent per request.
    /// </summary>
    public void Track(HttpContext context, string kind)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.ContainsKey(typeof(LongLivedRequests)))
        {
            return;
        }

        context.Items[typeof(LongLivedRequests)] = kind;
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
        {
            metrics.MetricsDisabled = true;
        }

        var counts = _kinds.GetOrAdd(kind, static _ => new KindCounts());
        Interlocked.Increment(ref counts.Open);
        _open.Add(1, new KeyValuePair<string, object?>(KindTag, kind));
        // Disposed when the request ends, however it ends (completed, aborted, failed).
        context.Response.RegisterForDispose(new Scope(this, kind, counts, _timeProvider.GetTimestamp()));
    }

    /// <summary>Leaves a request that matched no route out of the request-duration metric and counts it.</summary>
    public void OnUnmatched(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
        {
            metrics.MetricsDisabled = true;
        }

        _unmatched.Add(1);
        _unmatchedRecent.Increment(0);
    }

    /// <summary>What the dashboard shows: open streams per kind, and requests that matched no route in the last minute.</summary>
    public StreamsSummary Summary()
    {
        var kinds = _kinds.OrderBy(static k => k.Key, StringComparer.Ordinal)
            .Select(static k => new StreamKindSummary(k.Key, Volatile.Read(ref k.Value.Open), Volatile.Read(ref k.Value.Ended),
                Volatile.Read(ref k.Value.Ended) is > 0 and var ended ? Math.Round(Volatile.Read(ref k.Value.EndedSeconds) / ended, 1) : null))
            .ToList();
        return new StreamsSummary(kinds.Sum(static k => k.Open), kinds, _unmatchedRecent.Totals()[0]);
    }

    /// <summary>
    /// The middleware that classifies requests: an endpoint with <see cref="LongLivedEndpointMetadata"/>
    /// is tracked from the start; a request that matched no route is left out when it ends.
    /// </summary>
    internal static async Task ClassifyAsync(HttpContext context, RequestDelegate next)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<LongLivedEndpointMetadata>() is { } longLived)
        {
            context.RequestServices.GetRequiredService<LongLivedRequests>().Track(context, longLived.Kind);
        }

        await next(context);

        // No endpoint, or the framework's 405 endpoint (no route pattern): not a viewer's route.
        // Read before the request ran: an error handler that re-executes clears the endpoint.
        if (endpoint is not RouteEndpoint)
        {
            context.RequestServices.GetRequiredService<LongLivedRequests>().OnUnmatched(context);
        }
    }

    private sealed class KindCounts
    {
        public long Open;
        public long Ended;
        public double EndedSeconds;
    }

    private sealed class Scope(LongLivedRequests owner, string kind, KindCounts counts, long started) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            var seconds = owner._timeProvider.GetElapsedTime(started).TotalSeconds;
            var tag = new KeyValuePair<string, object?>(KindTag, kind);
            owner._open.Add(-1, tag);
            owner._duration.Record(seconds, tag);
            Interlocked.Decrement(ref counts.Open);
            Interlocked.Increment(ref counts.Ended);
            double seen, next;
            do
            {
                seen = Volatile.Read(ref counts.EndedSeconds);
                next = seen + seconds;
            }
            while (Interlocked.CompareExchange(ref counts.EndedSeconds, next, seen) != seen);
        }
    }
}

/// <summary>Open long-lived requests in total and per kind; requests that matched no route in the last minute.</summary>
public sealed record StreamsSummary(long Open, IReadOnlyList<StreamKindSummary> Kinds, long UnmatchedLastMinute);

/// <param name="MeanSeconds">The mean duration of the ones that ended since start; null when none has.</param>
public sealed record StreamKindSummary(string Kind, long Open, long Ended, double? MeanSeconds);

/// <summary>Marks endpoints as long-lived.</summary>
public static class LongLivedEndpointExtensions
{
    /// <summary>Every request to these endpoints is long-lived: see <see cref="LongLivedRequests"/>.</summary>
    public static TBuilder LongLived<TBuilder>(this TBuilder builder, string kind)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(new LongLivedEndpointMetadata(kind)));
        return builder;
    }
}
