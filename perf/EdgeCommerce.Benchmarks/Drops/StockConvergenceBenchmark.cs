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
/// <c>stock</c>: how fast a reservation on one edge shows on the others, over real
/// processes: one origin and three edges. Each sample reserves one unit on one edge (in turn),
/// then polls the other two edges' <c>GET /v1/drops/{id}</c> every few milliseconds until both
/// show one unit fewer; the time from the 201 to the last of them is the sample. The release is
/// measured the same way (from its 204 to the unit back on both).
/// </summary>
internal static class StockConvergenceBenchmark
{
    private const string DropId = "stock-drop";
    private const string Sku = "stock-sku";
    private const int Allocation = 1000;

    public static async Task<int> RunAsync(BenchArguments args, CancellationToken cancellationToken)
    {
        var samples = args.Int("samples", 60, min: 1);
        var pollMs = args.Int("poll-ms", 5, min: 1);
        var save = !args.Flag("no-save");
        args.EnsureAllRead();

        var started = TimeProvider.System.GetUtcNow();
        var loadAtStart = MachineInfo.LoadAverage;
        Console.WriteLine($"stock: {samples} reservations (and releases) over 3 edges, polling every {pollMs} ms; load {loadAtStart}");
        using var data = new TempDirectory("edgecommerce-bench-stock");
        await using var origin = await OriginHost.StartAsync(data.Combine("origin"), ["Drops:LeaseDuration=00:01:00"], cancellationToken);
        string[] settings = ["Drops:ReservationTtl=00:00:30", "Drops:ClockSkewMargin=00:00:01", "Drops:LeaseUnits=20",
            "RateLimits:ViewerBurst=1000000", "RateLimits:ViewerPerSecond=1000000", "RateLimits:CreatorBurst=1000000", "RateLimits:CreatorPerSecond=1000000"];
        var edges = Enumerable.Range(1, 3).Select(i => new EdgeHost($"bench-stock-{i}", origin, data.Combine($"edge{i}"), settings)).ToArray();
        try
        {
            foreach (var edge in edges)
            {
                await edge.StartAsync();
            }

            foreach (var edge in edges)
            {
                await edge.WaitUntilReadyAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(120), cancellationToken);
            }

            await origin.PutSkuCatalogAsync("bench-creator", Sku, cancellationToken);
            var now = DateTimeOffset.UtcNow;
            await origin.PutDropAsync("bench-creator", DropId, "Stock benchmark drop", now.AddMinutes(-1), now.AddHours(2), perViewerLimit: 100, Sku, Allocation, cancellationToken);
            var token = await origin.MintTokenAsync("bench-viewer", "bench-creator", ["drop:reserve"], "edge", cancellationToken);
            foreach (var edge in edges)
            {
                await edge.WaitForDropAsync(DropId, cancellationToken);
            }

            var reserved = new List<double>();
            var released = new List<double>();
            var reserveLatency = new List<double>();
            for (var i = 0; i < samples; i++)
            {
                var on = edges[i % edges.Length];
                var others = edges.Where(edge => edge != on).ToArray();
                var sent = Stopwatch.GetTimestamp();
                var id = await ReserveAsync(on, token, cancellationToken);
                reserveLatency.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                reserved.Add(await TimeUntilAsync(others, Allocation - 1, pollMs, cancellationToken));
                await ReleaseAsync(on, token, id, cancellationToken);
                released.Add(await TimeUntilAsync(others, Allocation, pollMs, cancellationToken));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {i + 1}: reserved on {on.Id}, seen on the others after {reserved[^1]:0.0} ms; released, back after {released[^1]:0.0} ms"));
            }

            var report = Report(args, samples, pollMs, started, loadAtStart, reserved, released, reserveLatency);
            Console.WriteLine();
            Console.WriteLine(report);
            if (save)
            {
                ResultsFile.Append(report);
                Console.WriteLine($"Appended to {ResultsFile.Path}");
            }

            return 0;
        }
        finally
        {
            foreach (var edge in edges)
            {
                await edge.DisposeAsync();
            }
        }
    }

    /// <summary>Milliseconds from now until every edge shows <paramref name="expected"/> available (60 s at most: a timeout is a failed run).</summary>
    private static async Task<double> TimeUntilAsync(EdgeHost[] edges, int expected, int pollMs, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var pending = edges.ToList();
        while (pending.Count > 0)
        {
            foreach (var edge in pending.ToArray())
            {
                var view = await edge.Http.GetFromJsonAsync<JsonElement>($"/v1/drops/{DropId}", cancellationToken);
                if (view.GetProperty("skus")[0].GetProperty("available").GetInt32() == expected)
                {
                    pending.Remove(edge);
                }
            }

            if (pending.Count > 0)
            {
                if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"{string.Join(", ", pending.Select(static e => e.Id))} never showed {expected} available.");
                }

                await Task.Delay(pollMs, cancellationToken);
            }
        }

        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static async Task<string> ReserveAsync(EdgeHost edge, string token, CancellationToken cancellationToken)
    {
        using var reserve = new HttpRequestMessage(HttpMethod.Post, $"/v1/drops/{DropId}/reservations")
        {
            Content = new StringContent($$"""{"skuId":"{{Sku}}","quantity":1}""", Encoding.UTF8, "application/json"),
        };
        reserve.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await edge.Http.SendAsync(reserve, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Reservation on {edge.Id}: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("reservationId").GetString()!;
    }

    private static async Task ReleaseAsync(EdgeHost edge, string token, string id, CancellationToken cancellationToken)
    {
        using var release = new HttpRequestMessage(HttpMethod.Delete, $"/v1/reservations/{id}");
        release.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await edge.Http.SendAsync(release, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static string Report(BenchArguments args, int samples, int pollMs, DateTimeOffset started, string loadAtStart, List<double> reserved, List<double> released, List<double> reserveLatency)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## stock — {started:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {MachineInfo.Describe()}; {Repository.Configuration} build");
        text.AppendLine(CultureInfo.InvariantCulture, $"- load average at start: {loadAtStart}; at the end: {MachineInfo.LoadAverage}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {args.CommandLine}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- one origin (SQLite) and three edges on this machine (default `Drops:HoldsReportInterval`); {samples} samples, each: reserve 1 unit on one edge (in turn), poll the other two edges' `GET /v1/drops/{{id}}` every {pollMs} ms until both show it, release it, poll until both show it back");
        text.AppendLine();
        text.AppendLine("| from | to | samples | p50 ms | p95 ms | p99 ms | max ms |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| reservation's 201 | 1 fewer on both other edges | {reserved.Count} | {LatencySummary.From(reserved).Cells} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| release's 204 | back on both other edges | {released.Count} | {LatencySummary.From(released).Cells} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| reservation sent | its 201 (an idle edge) | {reserveLatency.Count} | {LatencySummary.From(reserveLatency).Cells} |");
        return text.ToString();
    }
}
