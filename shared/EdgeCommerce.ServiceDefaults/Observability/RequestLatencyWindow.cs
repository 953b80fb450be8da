using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EdgeCommerce.ServiceDefaults.Observability;

/// <summary>
/// Request latency per route template over the last minute, in one-second slots, for the live
/// dashboard and for the P95 an edge reports to its origin. It listens to ASP.NET Core's own
/// <c>http.server.request.duration</c> (so it measures exactly what Prometheus sees) of this
/// host's meters only: several hosts in one process (tests) each keep their own window.
/// Recording is lock-free: one interlocked increment in the current slot's bucket; a slot is
/// replaced, not cleared, when its second comes round again.
/// </summary>
public sealed class RequestLatencyWindow : IDisposable
{
    /// <summary>Seconds of history kept (and shown).</summary>
    public const int Seconds = 60;

    /// <summary>Routes that are the machinery, not the service: left out of the window.</summary>
    private static readonly string[] s_ignoredPrefixes = ["/metrics", "/dashboard", "/healthz", "/readyz", "/openapi", "/favicon"];

    private readonly ConcurrentDictionary<string, RouteSeries> _routes = new(StringComparer.Ordinal);
    private readonly MeterListener _listener;
    private readonly TimeProvider _timeProvider;
    private readonly long _origin;

    public RequestLatencyWindow(IMeterFactory meterFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _timeProvider = timeProvider;
        _origin = timeProvider.GetTimestamp();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meterFactory)
                    && instrument.Meter.Name == TelemetryNames.HostingMeter
                    && instrument.Name == TelemetryNames.RequestDuration)
                {
                    listener.EnableMeasurementEvents(instrument, this);
                }
            },
        };
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((RequestLatencyWindow)state!).OnMeasurement(value, tags));
        _listener.Start();
    }

    /// <summary>Records one request (also the path the listener takes; public for tests and benchmarks).</summary>
    public void Record(string route, double seconds, bool serverError)
    {
        var series = _routes.GetOrAdd(route, static r => new RouteSeries(r));
        series.Record(CurrentSecond(), LatencyBuckets.IndexOf(seconds), serverError);
    }

    /// <summary>Every route seen in the last minute, busiest first, with per-second series for charts.</summary>
    public IReadOnlyList<RouteLatency> Snapshot()
    {
        var now = CurrentSecond();
        var result = new List<RouteLatency>(_routes.Count);
        foreach (var series in _routes.Values)
        {
            var latency = series.Summarize(now);
            if (latency.Count > 0)
            {
                result.Add(latency);
            }
        }

        result.Sort(static (a, b) => b.Count.CompareTo(a.Count));
        return result;
    }

    /// <summary>Every route together over the last minute: what an edge reports to its origin.</summary>
    public LoadSummary Overall()
    {
        var now = CurrentSecond();
        var merged = new long[LatencyBuckets.Count];
        long total = 0;
        long errors = 0;
        foreach (var series in _routes.Values)
        {
            (var count, var serverErrors) = series.AddTo(merged, now);
            total += count;
            errors += serverErrors;
        }

        return new LoadSummary(total, (double)total / Seconds, errors,
            ToMs(LatencyBuckets.Quantile(merged, total, 0.50)),
            ToMs(LatencyBuckets.Quantile(merged, total, 0.95)),
            ToMs(LatencyBuckets.Quantile(merged, total, 0.99)));
    }

    public void Dispose() => _listener.Dispose();

    internal static double? ToMs(double? seconds) => seconds is { } s ? Math.Round(s * 1000, 3) : null;

    private long CurrentSecond() => (long)_timeProvider.GetElapsedTime(_origin).TotalSeconds;

    private void OnMeasurement(double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? route = null;
        var serverError = false;
        foreach (var tag in tags)
        {
            if (tag.Key == TelemetryNames.RouteTag)
            {
                route = tag.Value as string;
            }
            else if (tag.Key == TelemetryNames.StatusCodeTag && tag.Value is int status)
            {
                serverError = status >= 500;
            }
        }

        // Requests that matched no endpoint have no route: one closed bucket for them all.
        route ??= "(no route)";
        foreach (var prefix in s_ignoredPrefixes)
        {
            if (route.StartsWith(prefix, StringComparison.Ordinal))
            {
                return;
            }
        }

        Record(route, seconds, serverError);
    }

    private sealed class RouteSeries(string route)
    {
        private readonly Slot?[] _slots = new Slot?[Seconds];

        public void Record(long second, int bucket, bool serverError)
        {
            var index = (int)(second % Seconds);
            var slot = Volatile.Read(ref _slots[index]);
            if (slot is null || slot.Second != second)
            {
                var fresh = new Slot(second);
                var seen = Interlocked.CompareExchange(ref _slots[index], fresh, slot);
                slot = ReferenceEquals(seen, slot) ? fresh : seen!;
            }

            Interlocked.Increment(ref slot.Counts[bucket]);
            Interlocked.Increment(ref slot.Total);
            if (serverError)
            {
                Interlocked.Increment(ref slot.ServerErrors);
            }
        }

        public (long Count, long ServerErrors) AddTo(long[] merged, long now)
        {
            long total = 0;
            long errors = 0;
            foreach (var slot in Live(now))
            {
                for (var i = 0; i < merged.Length; i++)
                {
                    merged[i] += Volatile.Read(ref slot.Counts[i]);
                }

                total += Volatile.Read(ref slot.Total);
                errors += Volatile.Read(ref slot.ServerErrors);
            }

            return (total, errors);
        }

        public RouteLatency Summarize(long now)
        {
            var merged = new long[LatencyBuckets.Count];
            (var total, var errors) = AddTo(merged, now);
            var series = new List<SecondLatency>(Seconds);
            // Oldest first, the current (incomplete) second last; seconds without requests are gaps.
            for (var second = now - Seconds + 1; second <= now; second++)
            {
                var slot = second < 0 ? null : Volatile.Read(ref _slots[(int)(second % Seconds)]);
                if (slot is null || slot.Second != second || slot.Total == 0)
                {
                    series.Add(new SecondLatency(second - now, 0, null, null, null));
                    continue;
                }

                var count = Volatile.Read(ref slot.Total);
                series.Add(new SecondLatency(second - now, count,
                    ToMs(LatencyBuckets.Quantile(slot.Counts, count, 0.50)),
                    ToMs(LatencyBuckets.Quantile(slot.Counts, count, 0.95)),
                    ToMs(LatencyBuckets.Quantile(slot.Counts, count, 0.99))));
            }

            return new RouteLatency(route, total, (double)total / Seconds, errors,
                ToMs(LatencyBuckets.Quantile(merged, total, 0.50)),
                ToMs(LatencyBuckets.Quantile(merged, total, 0.95)),
                ToMs(LatencyBuckets.Quantile(merged, total, 0.99)),
                series);
        }

        private IEnumerable<Slot> Live(long now)
        {
            foreach (var slot in _slots)
            {
                if (slot is not null && slot.Second > now - Seconds && slot.Second <= now)
                {
                    yield return slot;
                }
            }
        }
    }

    private sealed class Slot(long second)
    {
        public readonly long Second = second;
        public readonly long[] Counts = new long[LatencyBuckets.Count];
        public long Total;
        public long ServerErrors;
    }
}

/// <summary>One route over the last minute (milliseconds; null when there were no requests).</summary>
public sealed record RouteLatency(string Route, long Count, double RequestsPerSecond, long ServerErrors,
    double? P50Ms, double? P95Ms, double? P99Ms, IReadOnlyList<SecondLatency> Series);

/// <summary>One second of one route: <paramref name="Offset"/> is 0 for the current second, -59 for the oldest.</summary>
public sealed record SecondLatency(long Offset, long Count, double? P50Ms, double? P95Ms, double? P99Ms);

/// <summary>Every route together over the last minute.</summary>
public sealed record LoadSummary(long Count, double RequestsPerSecond, long ServerErrors, double? P50Ms, double? P95Ms, double? P99Ms);
