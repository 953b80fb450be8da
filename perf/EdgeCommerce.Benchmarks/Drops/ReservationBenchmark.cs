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
        var save = !args.Flag("no-save");
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
        await using var origin = await OriginHost.StartAsync(data.Combine("origin"), ["Drops:LeaseDuration=00:00:10", "Drops:MaxLeaseUnits=50"], cancellationToken);
        // The per-viewer and per-creator rate limits stay in the path (their cost is measured) but
        // never refuse: 16 viewers of one creator each send thousands of requests per second here,
        // and a 429 is not a reservation.
        string[] common = ["Drops:ReservationTtl=00:00:04", "Drops:ClockSkewMargin=00:00:01", "Drops:LeaseUnits=20", "Drops:MaxLeaseUnits=50",
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
        var perRound = modes.ToDictionary(static m => m, static _ => new List<string>());
        for (var round = 0; round < rounds; round++)
        {
            // Leases and the baseline swap places every round (ABBA), so neither always runs first.
            var order = baseline is null ? new[] { ("leases", leases), ("origin", central) }
                : round % 2 == 0 ? new[] { ("leases", leases), ("baseline", baseline), ("origin", central) }
                : new[] { ("baseline", baseline), ("leases", leases), ("origin", central) };
            foreach (var (mode, edge) in order)
            {
                if (warmup > 0)
                {
                    await LoadAsync(edge, tokens, TimeSpan.FromSeconds(warmup), cancellationToken);
                }

                var cpuBefore = CpuTime.ProcessMilliseconds(edge.ProcessId) ?? 0;
                var (latencies, failed, time) = await LoadAsync(edge, tokens, TimeSpan.FromSeconds(seconds), cancellationToken);
                var cpuUsed = (CpuTime.ProcessMilliseconds(edge.ProcessId) ?? 0) - cpuBefore;
                samples[mode].AddRange(latencies);
                elapsed[mode] += time.TotalSeconds;
                failures[mode] += failed;
                cpu[mode] += cpuUsed;
                var summary = LatencySummary.From(latencies);
                perRound[mode].Add(string.Create(CultureInfo.InvariantCulture, $"{summary.P50:0.00}/{summary.P95:0.00}"));
                Console.WriteLine($"  round {round + 1} {mode}: {latencies.Count} reservations, {summary.Cells} ms, {failed} not 201, edge CPU {cpuUsed / Math.Max(1, latencies.Count) * 1000:0} µs per reservation");
            }
        }

        var report = Report(args, clients, seconds, rounds, warmup, started, loadAtStart, modes, baselineAssembly, samples, elapsed, failures, cpu, perRound);
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

    private static string Report(BenchArguments args, int clients, int seconds, int rounds, int warmup, DateTimeOffset started, string loadAtStart, string[] modes, string? baselineAssembly,
        Dictionary<string, List<double>> samples, Dictionary<string, double> elapsed, Dictionary<string, int> failures, Dictionary<string, double> cpu, Dictionary<string, List<string>> perRound)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## reservations — {started:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {MachineInfo.Describe()}; {Repository.Configuration} build");
        text.AppendLine(CultureInfo.InvariantCulture, $"- load average at start: {loadAtStart}; at the end: {MachineInfo.LoadAverage}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {args.CommandLine}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- one origin (SQLite, synchronous=FULL; leases of 10 s, at most 50 units) and two edges on this machine; {clients} clients (one viewer each) per mode; {rounds} rounds of {seconds} s per mode, alternating leases/origin, each after {warmup} s of warm-up; each client loops POST reservation (timed, send → whole answer) then DELETE it (not timed)");
        text.AppendLine("- leases: the edge reserves inside units leased from the origin (asks for what the previous lease sold, 20 at first, at most 50); origin: `Drops:ReserveAtOrigin=true`, every reservation leases exactly its unit from the origin (one origin write transaction each)");
        if (baselineAssembly is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- baseline: the same leases mode served by another build of the edge, `{baselineAssembly}`, on the same origin; leases and baseline swap order every round (ABBA)");
        }

        text.AppendLine("- edge CPU per reservation: the edge process's CPU time (/proc, 10 ms ticks) over the measured seconds ÷ reservations; it includes the DELETE that follows each one");
        text.AppendLine();
        text.AppendLine("| mode | reservations | per second | p50 ms | p95 ms | p99 ms | max ms | not 201 | edge CPU µs per reservation | p50/p95 per round |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var mode in modes)
        {
            var summary = LatencySummary.From(samples[mode]);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {mode} | {summary.Count} | {summary.Count / elapsed[mode]:0} | {summary.Cells} | {failures[mode]} | {cpu[mode] / Math.Max(1, summary.Count) * 1000:0} | {string.Join(", ", perRound[mode])} |");
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
                $"Leases (this build) ÷ baseline: p50 ×{a.P50 / c.P50:0.00}, p95 ×{a.P95 / c.P95:0.00}, p99 ×{a.P99 / c.P99:0.00}; throughput ×{(samples["leases"].Count / elapsed["leases"]) / (baselineSamples.Count / elapsed["baseline"]):0.00}; edge CPU per reservation ×{(cpu["leases"] / Math.Max(1, a.Count)) / (cpu["baseline"] / Math.Max(1, c.Count)):0.00}.");
        }
        return text.ToString();
    }
}
