using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Benchmarks.Drops;

/// <summary>
/// <c>reservations</c>: reservation latency and throughput over real processes, with edge leases
/// beside the same load with every reservation going to the origin (<c>Drops:ReserveAtOrigin</c>),
/// in one run: one origin, one edge per mode, rounds alternating between the modes. Each client is
/// its own viewer and loops: POST a reservation (timed, send → whole answer), DELETE it (not timed).
/// With <c>--baseline-edge</c>, another build serves the leases mode too, alternating with this one
/// (ABBA), then in windows where both are loaded at once: on a machine shared with other work, only
/// those see the same conditions, and the bytes allocated per reservation compare on any machine.
/// </summary>
internal static class ReservationBenchmark
{
    private const string DropId = "bench-drop";
    private const string Sku = "bench-sku";

    public static async Task<int> RunAsync(BenchArguments args, CancellationToken cancellationToken)
    {
        var clients = args.Int("clients", 16, min: 1);
        var seconds = args.Int("seconds", 8, min: 1);
        var rounds = args.Int("rounds", 3, min: 1);
        // 6 s: on 2 CPUs a freshly started edge is still compiling its tier-1 code after 2 s, and the
        // first round then measured the JIT (edge CPU per reservation 170 µs against 113-119 after).
        var warmup = args.Int("warmup-seconds", 6);
        // Windows in which this build and the baseline are loaded at once (each by its own clients):
        // both see the same machine, so their CPU per reservation compares even when other work
        // comes and goes between the alternating rounds. 0 skips them.
        var together = args.Int("together-rounds", 4);
        // The baseline takes round 1's first place (BAAB…): the first measured window of a run costs
        // more whichever build it measures (a build measured first is not slower for that).
        var baselineFirst = args.Flag("baseline-first");
        var save = !args.Flag("no-save");
        // How long a reservation holds (Drops:ReservationTtl). An ended one is remembered a TTL more,
        // so this sets how many the edge remembers (rate × 2 TTL): 4 s keeps ~35,000 at 4,000 a
        // second; the product's 5 min would keep millions. Leases last at least 3 TTL so a lease
        // stays usable for a reservation (the edge takes none from a lease ending within TTL/2).
        var ttl = args.Int("reservation-ttl", 4, min: 1);
        var leaseSeconds = Math.Max(10, 3 * ttl);
        var baselineAssembly = args.All("baseline-edge").SingleOrDefault() is { } baselinePath ? Path.GetFullPath(baselinePath) : null;
        args.EnsureAllRead();
        if (baselineAssembly is not null && !File.Exists(baselineAssembly))
        {
            throw new ArgumentException($"--baseline-edge {baselineAssembly}: no such file.");
        }

        var started = TimeProvider.System.GetUtcNow();
        var loadAtStart = MachineInfo.LoadAverage;
        Console.WriteLine($"reservations: {clients} clients, {rounds} rounds × {seconds} s per mode after {warmup} s warm-up; load {loadAtStart}");
        using var data = new TempDirectory("edgecommerce-bench-drops");
        await using var origin = await OriginHost.StartAsync(data.Combine("origin"), [string.Create(CultureInfo.InvariantCulture, $"Drops:LeaseDuration={TimeSpan.FromSeconds(leaseSeconds):c}"), "Drops:MaxLeaseUnits=50"], cancellationToken);
        // The per-viewer and per-creator rate limits stay in the path (their cost is measured) but
        // never refuse: 16 viewers of one creator each send thousands of requests per second here,
        // and a 429 is not a reservation.
        string[] common = [string.Create(CultureInfo.InvariantCulture, $"Drops:ReservationTtl={TimeSpan.FromSeconds(ttl):c}"), "Drops:ClockSkewMargin=00:00:01", "Drops:LeaseUnits=20", "Drops:MaxLeaseUnits=50",
            "RateLimits:ViewerBurst=1000000", "RateLimits:ViewerPerSecond=1000000", "RateLimits:CreatorBurst=1000000", "RateLimits:CreatorPerSecond=1000000"];
        await using var leases = new EdgeHost("bench-leases", origin, data.Combine("leases"), common);
        await using var central = new EdgeHost("bench-origin", origin, data.Combine("central"), [.. common, "Drops:ReserveAtOrigin=true"]);
        // Another build of the edge (before/after a change), with leases, on the same origin in the same rounds.
        await using var baseline = baselineAssembly is null ? null : new EdgeHost("bench-baseline", origin, data.Combine("baseline"), common, baselineAssembly);
        EdgeHost[] hosts = baseline is null ? [leases, central] : [leases, baseline, central];
        foreach (var host in hosts)
        {
            await host.StartAsync();
        }

        foreach (var host in hosts)
        {
            await host.WaitUntilReadyAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(120), cancellationToken);
        }

        var admin = await origin.MintTokenAsync("bench-admin", null, ["admin:drops", "admin:catalog", "admin:platform"], "origin", cancellationToken);
        var now = DateTimeOffset.UtcNow;
        using (var catalog = new HttpRequestMessage(HttpMethod.Put, "/admin/v1/creators/bench-creator/catalog"))
        {
            // A drop sells only SKUs of its creator's catalog.
            catalog.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            catalog.Content = new StringContent(OriginNode.SkuCatalog(Sku), Encoding.UTF8, "application/json");
            using var response = await origin.Admin.SendAsync(catalog, cancellationToken);
            response.EnsureSuccessStatusCode();
        }

        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/admin/v1/creators/bench-creator/drops/{DropId}"))
        {
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            put.Content = new StringContent(JsonSerializer.Serialize(new
            {
                title = "Benchmark drop",
                startsAt = now.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                endsAt = now.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                perViewerLimit = 100,
                allocations = new[] { new { skuId = Sku, units = 1_000_000 } },
            }), Encoding.UTF8, "application/json");
            using var response = await origin.Admin.SendAsync(put, cancellationToken);
            response.EnsureSuccessStatusCode();
        }

        var tokens = await Task.WhenAll(Enumerable.Range(0, clients).Select(i => origin.MintTokenAsync($"bench-viewer-{i}", "bench-creator", ["drop:reserve"], "edge", cancellationToken)));
        foreach (var edge in hosts)
        {
            while (!(await edge.Http.GetAsync($"/v1/drops/{DropId}", cancellationToken)).IsSuccessStatusCode)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        string[] modes = baseline is null ? ["leases", "origin"] : ["leases", "baseline", "origin"];
        var samples = modes.ToDictionary(static m => m, static _ => new List<double>());
        var elapsed = modes.ToDictionary(static m => m, static _ => 0.0);
        var failures = modes.ToDictionary(static m => m, static _ => 0);
        var cpu = modes.ToDictionary(static m => m, static _ => 0.0);
        var allocated = modes.ToDictionary(static m => m, static _ => 0.0);
        var collections = modes.ToDictionary(static m => m, static _ => 0.0);
        var leaseCalls = modes.ToDictionary(static m => m, static _ => 0.0);
        var perRound = modes.ToDictionary(static m => m, static _ => new List<string>());
        for (var round = 0; round < rounds; round++)
        {
            // Leases and the baseline swap places every round (ABBA), so neither always runs first.
            var order = baseline is null ? new[] { ("leases", leases), ("origin", central) }
                : (round % 2 == 0) != baselineFirst ? new[] { ("leases", leases), ("baseline", baseline), ("origin", central) }
                : new[] { ("baseline", baseline), ("leases", leases), ("origin", central) };
            foreach (var (mode, edge) in order)
            {
                if (warmup > 0)
                {
                    await LoadAsync(edge, tokens, TimeSpan.FromSeconds(warmup), cancellationToken);
                }

                var gcBefore = await ScrapeGcAsync(edge, cancellationToken);
                var cpuBefore = CpuTime.ProcessMilliseconds(edge.ProcessId) ?? 0;
                var (latencies, failed, time) = await LoadAsync(edge, tokens, TimeSpan.FromSeconds(seconds), cancellationToken);
                var cpuUsed = (CpuTime.ProcessMilliseconds(edge.ProcessId) ?? 0) - cpuBefore;
                var gcAfter = await ScrapeGcAsync(edge, cancellationToken);
                allocated[mode] += gcAfter.Allocated - gcBefore.Allocated;
                collections[mode] += gcAfter.Collections - gcBefore.Collections;
                leaseCalls[mode] += gcAfter.Leases - gcBefore.Leases;
                samples[mode].AddRange(latencies);
                elapsed[mode] += time.TotalSeconds;
                failures[mode] += failed;
                cpu[mode] += cpuUsed;
                var summary = LatencySummary.From(latencies);
                perRound[mode].Add(string.Create(CultureInfo.InvariantCulture, $"{summary.P50:0.00}/{summary.P95:0.00}"));
                Console.WriteLine($"  round {round + 1} {mode}: {latencies.Count} reservations, {summary.Cells} ms, {failed} not 201, edge CPU {cpuUsed / Math.Max(1, latencies.Count) * 1000:0} µs, {(gcAfter.Allocated - gcBefore.Allocated) / Math.Max(1, latencies.Count):0} bytes allocated per reservation");
            }
        }

        var side = baseline is null || together == 0 ? null : await TogetherAsync(leases, baseline, tokens, together, seconds, warmup, cancellationToken);
        var report = Report(args, clients, seconds, rounds, warmup, ttl, leaseSeconds, started, loadAtStart, modes, baselineAssembly, samples, elapsed, failures, cpu, allocated, collections, leaseCalls, perRound, side, baselineFirst);
        Console.WriteLine();
        Console.WriteLine(report);
        if (save)
        {
            ResultsFile.Append(report);
            Console.WriteLine($"Appended to {ResultsFile.Path}");
        }

        return 0;
    }

    /// <summary>The steady loop, per client (one viewer each): POST a reservation of one unit (timed, send → whole answer), then DELETE it (not timed), for <paramref name="duration"/>.</summary>
    internal static async Task<(List<double> Latencies, int Failed, TimeSpan Elapsed)> LoadAsync(EdgeHost edge, string[] tokens, TimeSpan duration, CancellationToken cancellationToken, string dropId = DropId, string skuId = Sku)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = tokens.Length, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = edge.Address, Timeout = TimeSpan.FromSeconds(30) };
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        var results = await Task.WhenAll(tokens.Select(token => Task.Run(async () =>
        {
            var latencies = new List<double>();
            var failed = 0;
            while (Stopwatch.GetTimestamp() < end && !cancellationToken.IsCancellationRequested)
            {
                using var reserve = new HttpRequestMessage(HttpMethod.Post, $"/v1/drops/{dropId}/reservations")
                {
                    Content = new StringContent($$"""{"skuId":"{{skuId}}","quantity":1}""", Encoding.UTF8, "application/json"),
                };
                reserve.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                var sent = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(reserve, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                var took = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    failed++;
                    continue;
                }

                latencies.Add(took);
                var id = JsonDocument.Parse(body).RootElement.GetProperty("reservationId").GetString();
                using var release = new HttpRequestMessage(HttpMethod.Delete, $"/v1/reservations/{id}");
                release.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var released = await http.SendAsync(release, cancellationToken);
            }

            return (latencies, failed);
        }, cancellationToken)));
        return ([.. results.SelectMany(static r => r.latencies)], results.Sum(static r => r.failed), Stopwatch.GetElapsedTime(start));
    }

    /// <summary>
    /// The edge's bytes allocated and garbage collections (all generations) so far (the runtime's
    /// <c>System.Runtime</c> meter), and the leases it acquired from the origin
    /// (<c>edgecommerce.drops.leases.acquired</c>), from its <c>/metrics</c>.
    /// </summary>
    internal static async Task<(double Allocated, double Collections, double Leases)> ScrapeGcAsync(EdgeHost edge, CancellationToken cancellationToken)
    {
        var text = await edge.Http.GetStringAsync("/metrics", cancellationToken);
        double allocated = 0, collections = 0, leases = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var name = line[..line.IndexOfAny(['{', ' '])];
            var value = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], CultureInfo.InvariantCulture);
            if (name.StartsWith("dotnet_gc_heap_total_allocated", StringComparison.Ordinal))
            {
                allocated += value;
            }
            else if (name.StartsWith("dotnet_gc_collections", StringComparison.Ordinal))
            {
                collections += value;
            }
            else if (name == "edgecommerce_drops_leases_acquired_total")
            {
                leases += value;
            }
        }

        return (allocated, collections, leases);
    }

    private static string Report(BenchArguments args, int clients, int seconds, int rounds, int warmup, int ttl, int leaseSeconds, DateTimeOffset started, string loadAtStart, string[] modes, string? baselineAssembly,
        Dictionary<string, List<double>> samples, Dictionary<string, double> elapsed, Dictionary<string, int> failures, Dictionary<string, double> cpu,
        Dictionary<string, double> allocated, Dictionary<string, double> collections, Dictionary<string, double> leaseCalls, Dictionary<string, List<string>> perRound, TogetherResult? together, bool baselineFirst)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## reservations — {started:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {MachineInfo.Describe()}; {Repository.Configuration} build");
        text.AppendLine(CultureInfo.InvariantCulture, $"- load average at start: {loadAtStart}; at the end: {MachineInfo.LoadAverage}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {args.CommandLine}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- one origin (SQLite, synchronous=FULL; leases of {leaseSeconds} s, at most 50 units) and two edges on this machine (reservations held {ttl} s, then remembered {ttl} s more); {clients} clients (one viewer each) per mode; {rounds} rounds of {seconds} s per mode, alternating leases/origin, each after {warmup} s of warm-up; each client loops POST reservation (timed, send → whole answer) then DELETE it (not timed)");
        text.AppendLine("- leases: the edge reserves inside units leased from the origin (asks for what the previous lease sold, 20 at first, at most 50); origin: `Drops:ReserveAtOrigin=true`, every reservation leases exactly its unit from the origin (one origin write transaction each)");
        if (baselineAssembly is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- baseline: the same leases mode served by another build of the edge, `{baselineAssembly}`, on the same origin; leases and baseline swap order every round ({(baselineFirst ? "BAAB" : "ABBA")})");
        }

        text.AppendLine("- edge CPU per reservation: the edge process's CPU time (/proc, 10 ms ticks) over the measured seconds ÷ reservations; it includes the DELETE that follows each one");
        text.AppendLine("- edge bytes allocated per reservation, GCs per 1,000: the edge's `dotnet.gc.heap.total_allocated` and `dotnet.gc.collections` (its `/metrics`) over the measured seconds ÷ reservations, DELETE included; unlike CPU time they do not depend on how busy the machine is; leases acquired: the edge's `edgecommerce.drops.leases.acquired` over the measured seconds (each a reservation or more waiting on the origin)");
        text.AppendLine();
        text.AppendLine("| mode | reservations | per second | p50 ms | p95 ms | p99 ms | max ms | not 201 | edge CPU µs per reservation | edge bytes allocated per reservation | edge GCs per 1,000 | leases acquired | p50/p95 per round |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var mode in modes)
        {
            var summary = LatencySummary.From(samples[mode]);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {mode} | {summary.Count} | {summary.Count / elapsed[mode]:0} | {summary.Cells} | {failures[mode]} | {cpu[mode] / Math.Max(1, summary.Count) * 1000:0} | {allocated[mode] / Math.Max(1, summary.Count):0} | {collections[mode] * 1000 / Math.Max(1, summary.Count):0.00} | {leaseCalls[mode]:0} | {string.Join(", ", perRound[mode])} |");
        }

        var a = LatencySummary.From(samples["leases"]);
        var b = LatencySummary.From(samples["origin"]);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Origin ÷ leases: p50 ×{b.P50 / a.P50:0.0}, p95 ×{b.P95 / a.P95:0.0}, p99 ×{b.P99 / a.P99:0.0}; throughput ×{(samples["leases"].Count / elapsed["leases"]) / (samples["origin"].Count / elapsed["origin"]):0.0} with leases.");
        if (samples.TryGetValue("baseline", out var baselineSamples))
        {
            var c = LatencySummary.From(baselineSamples);
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Leases (this build) ÷ baseline: p50 ×{a.P50 / c.P50:0.00}, p95 ×{a.P95 / c.P95:0.00}, p99 ×{a.P99 / c.P99:0.00}; throughput ×{(samples["leases"].Count / elapsed["leases"]) / (baselineSamples.Count / elapsed["baseline"]):0.00}; edge CPU per reservation ×{(cpu["leases"] / Math.Max(1, a.Count)) / (cpu["baseline"] / Math.Max(1, c.Count)):0.00}; bytes allocated per reservation ×{(allocated["leases"] / Math.Max(1, a.Count)) / Math.Max(1, allocated["baseline"] / Math.Max(1, c.Count)):0.00}.");
        }
        if (together is not null)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Side by side ({together.Rounds} windows of {seconds} s, after {warmup} s of warm-up each, this build and the baseline each loaded by its own {clients} clients at the same time, so both share the machine alike): this build ÷ baseline, median of per-window ratios: edge CPU per reservation ×{Median(together.CpuRatios):0.00} ({string.Join(", ", together.CpuRatios.Select(static r => r.ToString("0.00", CultureInfo.InvariantCulture)))}), reservations ×{Median(together.CountRatios):0.00}, p50 ×{Median(together.P50Ratios):0.00}, p95 ×{Median(together.P95Ratios):0.00} ({string.Join(", ", together.P95Ratios.Select(static r => r.ToString("0.00", CultureInfo.InvariantCulture)))}).");
        }

        return text.ToString();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Per-window ratios (this build ÷ baseline) from windows in which both edges were loaded at once.</summary>
    private sealed record TogetherResult(int Rounds, List<double> CpuRatios, List<double> CountRatios, List<double> P50Ratios, List<double> P95Ratios);

    private static async Task<TogetherResult> TogetherAsync(EdgeHost leases, EdgeHost baseline, string[] tokens, int rounds, int seconds, int warmup, CancellationToken cancellationToken)
    {
        var result = new TogetherResult(rounds, [], [], [], []);
        for (var round = 0; round < rounds; round++)
        {
            if (warmup > 0)
            {
                await Task.WhenAll(LoadAsync(leases, tokens, TimeSpan.FromSeconds(warmup), cancellationToken), LoadAsync(baseline, tokens, TimeSpan.FromSeconds(warmup), cancellationToken));
            }

            var cpuBefore = (Leases: CpuTime.ProcessMilliseconds(leases.ProcessId) ?? 0, Baseline: CpuTime.ProcessMilliseconds(baseline.ProcessId) ?? 0);
            var loads = await Task.WhenAll(LoadAsync(leases, tokens, TimeSpan.FromSeconds(seconds), cancellationToken), LoadAsync(baseline, tokens, TimeSpan.FromSeconds(seconds), cancellationToken));
            var cpuLeases = (CpuTime.ProcessMilliseconds(leases.ProcessId) ?? 0) - cpuBefore.Leases;
            var cpuBaseline = (CpuTime.ProcessMilliseconds(baseline.ProcessId) ?? 0) - cpuBefore.Baseline;
            var (a, b) = (LatencySummary.From(loads[0].Latencies), LatencySummary.From(loads[1].Latencies));
            var (perA, perB) = (cpuLeases / Math.Max(1, a.Count) * 1000, cpuBaseline / Math.Max(1, b.Count) * 1000);
            result.CpuRatios.Add(perA / perB);
            result.CountRatios.Add((double)a.Count / Math.Max(1, b.Count));
            result.P50Ratios.Add(a.P50 / b.P50);
            result.P95Ratios.Add(a.P95 / b.P95);
            Console.WriteLine($"  side by side {round + 1}: this build {a.Count} reservations, {a.Cells} ms, {perA:0} µs; baseline {b.Count}, {b.Cells} ms, {perB:0} µs");
        }

        return result;
    }
}
