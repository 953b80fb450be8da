using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
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
        var warmup = args.Int("warmup-seconds", 2);
        var save = !args.Flag("no-save");
        args.EnsureAllRead();

        var started = TimeProvider.System.GetUtcNow();
        var loadAtStart = MachineInfo.LoadAverage;
        Console.WriteLine($"reservations: {clients} clients, {rounds} rounds × {seconds} s per mode after {warmup} s warm-up; load {loadAtStart}");
        using var data = new TempDirectory("edgecommerce-bench-drops");
        await using var origin = await OriginHost.StartAsync(data.Combine("origin"), ["Drops:LeaseDuration=00:00:10", "Drops:MaxLeaseUnits=50"], cancellationToken);
        // The per-viewer rate limits stay in the path (their cost is measured) but never refuse: 16
        // viewers each send thousands of requests per second here, and a 429 is not a reservation.
        string[] common = ["Drops:ReservationTtl=00:00:04", "Drops:ClockSkewMargin=00:00:01", "Drops:LeaseUnits=20", "Drops:MaxLeaseUnits=50",
            "RateLimits:ViewerBurst=1000000", "RateLimits:ViewerPerSecond=1000000"];
        await using var leases = new EdgeHost("bench-leases", origin, data.Combine("leases"), common);
        await using var central = new EdgeHost("bench-origin", origin, data.Combine("central"), [.. common, "Drops:ReserveAtOrigin=true"]);
        await leases.StartAsync();
        await central.StartAsync();
        await leases.WaitUntilReadyAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(120), cancellationToken);
        await central.WaitUntilReadyAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(120), cancellationToken);

        var admin = await MintAsync(origin.Admin, "bench-admin", ["admin:drops", "admin:platform"], "origin", cancellationToken);
        var now = DateTimeOffset.UtcNow;
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

        var tokens = await Task.WhenAll(Enumerable.Range(0, clients).Select(i => MintAsync(origin.Admin, $"bench-viewer-{i}", ["drop:reserve"], "edge", cancellationToken)));
        foreach (var edge in new[] { leases, central })
        {
            while (!(await edge.Http.GetAsync($"/v1/drops/{DropId}", cancellationToken)).IsSuccessStatusCode)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        var samples = new Dictionary<string, List<double>> { ["leases"] = [], ["origin"] = [] };
        var elapsed = new Dictionary<string, double> { ["leases"] = 0, ["origin"] = 0 };
        var failures = new Dictionary<string, int> { ["leases"] = 0, ["origin"] = 0 };
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (mode, edge) in new[] { ("leases", leases), ("origin", central) })
            {
                if (warmup > 0)
                {
                    await LoadAsync(edge, tokens, TimeSpan.FromSeconds(warmup), cancellationToken);
                }

                var (latencies, failed, time) = await LoadAsync(edge, tokens, TimeSpan.FromSeconds(seconds), cancellationToken);
                samples[mode].AddRange(latencies);
                elapsed[mode] += time.TotalSeconds;
                failures[mode] += failed;
                Console.WriteLine($"  round {round + 1} {mode}: {latencies.Count} reservations, {LatencySummary.From(latencies).Cells} ms, {failed} not 201");
            }
        }

        var report = Report(args, clients, seconds, rounds, warmup, started, loadAtStart, samples, elapsed, failures);
        Console.WriteLine();
        Console.WriteLine(report);
        if (save)
        {
            ResultsFile.Append(report);
            Console.WriteLine($"Appended to {ResultsFile.Path}");
        }

        return 0;
    }

    private static async Task<(List<double> Latencies, int Failed, TimeSpan Elapsed)> LoadAsync(EdgeHost edge, string[] tokens, TimeSpan duration, CancellationToken cancellationToken)
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
                using var reserve = new HttpRequestMessage(HttpMethod.Post, $"/v1/drops/{DropId}/reservations")
                {
                    Content = new StringContent($$"""{"skuId":"{{Sku}}","quantity":1}""", Encoding.UTF8, "application/json"),
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

    private static async Task<string> MintAsync(HttpClient admin, string subject, string[] scopes, string audience, CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsJsonAsync("/admin/v1/tokens", new { subject, scopes, audience, ttlSeconds = 7200 }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
    }

    private static string Report(BenchArguments args, int clients, int seconds, int rounds, int warmup, DateTimeOffset started, string loadAtStart,
        Dictionary<string, List<double>> samples, Dictionary<string, double> elapsed, Dictionary<string, int> failures)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## reservations — {started:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {MachineInfo.Describe()}; {Repository.Configuration} build");
        text.AppendLine(CultureInfo.InvariantCulture, $"- load average at start: {loadAtStart}; at the end: {MachineInfo.LoadAverage}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {args.CommandLine}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- one origin (SQLite, synchronous=FULL; leases of 10 s, at most 50 units) and two edges on this machine; {clients} clients (one viewer each) per mode; {rounds} rounds of {seconds} s per mode, alternating leases/origin, each after {warmup} s of warm-up; each client loops POST reservation (timed, send → whole answer) then DELETE it (not timed)");
        text.AppendLine("- leases: the edge reserves inside units leased from the origin (asks for what the previous lease sold, 20 at first, at most 50); origin: `Drops:ReserveAtOrigin=true`, every reservation leases exactly its unit from the origin (one origin write transaction each)");
        text.AppendLine();
        text.AppendLine("| mode | reservations | per second | p50 ms | p95 ms | p99 ms | max ms | not 201 |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var mode in new[] { "leases", "origin" })
        {
            var summary = LatencySummary.From(samples[mode]);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {mode} | {summary.Count} | {summary.Count / elapsed[mode]:0} | {summary.Cells} | {failures[mode]} |");
        }

        var a = LatencySummary.From(samples["leases"]);
        var b = LatencySummary.From(samples["origin"]);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Origin ÷ leases: p50 ×{b.P50 / a.P50:0.0}, p95 ×{b.P95 / a.P95:0.0}, p99 ×{b.P99 / a.P99:0.0}; throughput ×{(samples["leases"].Count / elapsed["leases"]) / (samples["origin"].Count / elapsed["origin"]):0.0} with leases.");
        return text.ToString();
    }
}
