using System.Globalization;
using System.Runtime;
using System.Text;
using EdgeCommerce.Benchmarks.Infrastructure;

namespace EdgeCommerce.Benchmarks.Drops;

/// <summary>
/// What a process did over one burst (<c>burst --diagnose</c>), so a slow round can be told apart
/// as garbage collection, JIT, lock contention, thread-pool growth or plain CPU, on each edge and in
/// the benchmark client itself: the edges' runtime counters (the <c>System.Runtime</c> meter) and
/// their own timing of the reservation requests (<c>http.server.request.duration</c>, from
/// Kestrel's request start to the end of the answer, beside the client's send → whole answer), all
/// from their <c>/metrics</c> before and after the burst; the client's from the runtime's own APIs.
/// </summary>
internal sealed record BurstReading(
    double Gen0,
    double Gen1,
    double Gen2,
    double PauseMs,
    double JitMethods,
    double JitMs,
    double LockContentions,
    double ThreadPoolThreads,
    double CpuMs,
    SortedDictionary<double, double> ReserveBuckets)
{
    private const string ReserveRoute = "http_route=\"/v1/drops/{dropId}/reservations\"";

    /// <summary>The benchmark client's own counters.</summary>
    public static BurstReading OfClient()
    {
        var cpu = Environment.CpuUsage.TotalTime.TotalMilliseconds;
        return new BurstReading(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds,
            JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime().TotalMilliseconds, Monitor.LockContentionCount, ThreadPool.ThreadCount, cpu, []);
    }

    /// <summary>An edge's counters, from its <c>/metrics</c>.</summary>
    public static async Task<BurstReading> OfEdgeAsync(EdgeHost edge, CancellationToken cancellationToken)
    {
        var text = await edge.Http.GetStringAsync("/metrics", cancellationToken);
        double gen0 = 0, gen1 = 0, gen2 = 0, pause = 0, jitMethods = 0, jitSeconds = 0, contentions = 0, threads = 0, cpuSeconds = 0;
        var buckets = new SortedDictionary<double, double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var name = line[..line.IndexOfAny(['{', ' '])];
            var value = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            switch (name)
            {
                case "dotnet_gc_collections_total":
                    if (line.Contains("\"gen0\"", StringComparison.Ordinal))
                    {
                        gen0 += value;
                    }
                    else if (line.Contains("\"gen1\"", StringComparison.Ordinal))
                    {
                        gen1 += value;
                    }
                    else
                    {
                        gen2 += value;
                    }

                    break;
                case "dotnet_gc_pause_time_seconds_total":
                    pause += value;
                    break;
                case "dotnet_jit_compiled_methods_total":
                    jitMethods += value;
                    break;
                case "dotnet_jit_compilation_time_seconds_total":
                    jitSeconds += value;
                    break;
                case "dotnet_monitor_lock_contentions_total":
                    contentions += value;
                    break;
                case "dotnet_process_cpu_time_seconds_total":
                    cpuSeconds += value;
                    break;
                case "dotnet_thread_pool_thread_count":
                    threads += value;
                    break;
                case "http_server_request_duration_seconds_bucket" when line.Contains(ReserveRoute, StringComparison.Ordinal) && line.Contains("\"POST\"", StringComparison.Ordinal):
                    var le = line.IndexOf("le=\"", StringComparison.Ordinal) + 4;
                    var bound = line[le..line.IndexOf('"', le)] is var b && b == "+Inf" ? double.PositiveInfinity : double.Parse(b, CultureInfo.InvariantCulture);
                    buckets[bound] = buckets.GetValueOrDefault(bound) + value;
                    break;
            }
        }

        return new BurstReading(gen0, gen1, gen2, pause * 1000, jitMethods, jitSeconds * 1000, contentions, threads,
            cpuSeconds * 1000, buckets);
    }

    /// <summary>What happened between <paramref name="before"/> and this reading, as one line's cells.</summary>
    public string Since(BurstReading before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"GCs {Gen0 - before.Gen0:0}/{Gen1 - before.Gen1:0}/{Gen2 - before.Gen2:0} (gen0/1/2), GC pause {PauseMs - before.PauseMs:0.0} ms, JIT {JitMethods - before.JitMethods:0} methods {JitMs - before.JitMs:0.0} ms, lock contentions {LockContentions - before.LockContentions:0}, pool threads {before.ThreadPoolThreads:0}→{ThreadPoolThreads:0}, CPU {CpuMs - before.CpuMs:0} ms");
        if (ReserveBuckets.Count > 0)
        {
            var delta = ReserveBuckets.Select(pair => (Bound: pair.Key, Count: pair.Value - before.ReserveBuckets.GetValueOrDefault(pair.Key))).ToArray();
            var total = delta[^1].Count;
            if (total > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $", server-side POST reservations: {total:0}, p50 ≤ {Bound(delta, total, 0.5)} ms, p95 ≤ {Bound(delta, total, 0.95)} ms, max ≤ {Bound(delta, total, 1)} ms");
            }
        }

        return text.ToString();
    }

    /// <summary>The upper bound of the histogram bucket holding the <paramref name="q"/> quantile (cumulative counts).</summary>
    private static string Bound((double Bound, double Count)[] cumulative, double total, double q)
    {
        foreach (var (bound, count) in cumulative)
        {
            if (count >= Math.Ceiling(q * total))
            {
                return double.IsPositiveInfinity(bound) ? "inf" : (bound * 1000).ToString("0.##", CultureInfo.InvariantCulture);
            }
        }

        return "inf";
    }
}
