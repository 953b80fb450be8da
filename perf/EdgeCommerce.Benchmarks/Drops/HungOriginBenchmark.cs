using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Hosting.Processes;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Benchmarks.Drops;

/// <summary>
/// <c>hung</c>: what viewers wait while the origin hangs. One origin and one edge (real processes);
/// a drop open, no lease on the edge; the origin frozen with SIGSTOP; <c>--viewers</c> reservations
/// sent at once; each one's time from send to answer, and how it was answered. Then SIGCONT and the
/// time until a reservation succeeds again. <c>--edge</c> runs another build's edge (the baseline)
/// against this build's origin (the drop protocol did not change).
/// </summary>
internal static class HungOriginBenchmark
{
    private const string Creator = "hung-creator";
    private const string DropId = "hung-drop";
    private const string Sku = "cold-tee";
    private static readonly string[] s_viewerScopes = ["drop:reserve"];

    public static async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var viewers = arguments.Int("viewers", 20, min: 1);
        var timeoutMs = arguments.Int("timeout-ms", 3000, min: 100);
        var edgeAssembly = arguments.All("edge") is [var path, ..] ? path : null;
        var save = !arguments.Flag("no-save");
        arguments.EnsureAllRead();
        var timeout = TimeSpan.FromMilliseconds(timeoutMs);

        using var data = new TempDirectory();
        await using var origin = await OriginHost.StartAsync(data.Combine("origin"), [], cancellationToken);
        var frozen = false;
        try
        {
            await origin.PutSkuCatalogAsync(Creator, Sku, cancellationToken);
            var now = DateTimeOffset.UtcNow;
            await origin.PutDropAsync(Creator, DropId, "Hung drop", now.AddMinutes(-1), now.AddHours(1), perViewerLimit: 100, Sku, units: 50, cancellationToken);
            var tokens = await Task.WhenAll(Enumerable.Range(0, Math.Min(viewers, 50)).Select(v => origin.MintTokenAsync($"viewer-{v:D2}", Creator, s_viewerScopes, "edge", cancellationToken)));
            await using var edge = new EdgeHost("edge-hung", origin, data.Combine("edge"),
            [
                // Both names of the call timeout: Drops:OriginCallTimeout before the resilience pipeline, Origin:CallTimeout since.
                $"Origin:CallTimeout={timeout}", $"Drops:OriginCallTimeout={timeout}",
                "Drops:Admission:Enabled=false", "RateLimits:ViewerBurst=100000", "RateLimits:ViewerPerSecond=100000",
            ], edgeAssembly);
            await edge.StartAsync();
            await edge.WaitUntilReadyAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(120), cancellationToken);
            await edge.WaitForDropAsync(DropId, cancellationToken);

            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = viewers, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(30) };
            PosixSignals.Send(origin.ProcessId, PosixSignals.SigStop);
            frozen = true;
            var started = Stopwatch.GetTimestamp();
            var answers = await Task.WhenAll(Enumerable.Range(0, viewers).Select(i => ReserveAsync(http, edge, tokens[i % tokens.Length])));
            var wall = Stopwatch.GetElapsedTime(started);
            PosixSignals.Send(origin.ProcessId, PosixSignals.SigCont);
            frozen = false;
            var thawed = Stopwatch.GetTimestamp();
            var recovered = false;
            while (!recovered && Stopwatch.GetElapsedTime(thawed) < TimeSpan.FromSeconds(60))
            {
                recovered = (await ReserveAsync(http, edge, tokens[0])).Status == HttpStatusCode.Created;
                if (!recovered)
                {
                    await Task.Delay(50, cancellationToken);
                }
            }

            var recovery = Stopwatch.GetElapsedTime(thawed);
            var seconds = answers.Select(static a => a.Elapsed.TotalSeconds).Order().ToArray();
            double P(double q) => seconds[Math.Min(seconds.Length - 1, (int)Math.Ceiling(q * seconds.Length) - 1)];
            var kinds = answers.GroupBy(static a => $"{(int)a.Status} \"{a.Title}\" (Retry-After {a.RetryAfter})")
                .Select(static g => $"{g.Count()} × {g.Key}");
            var report = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"## hung — {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC")
                .AppendLine()
                .AppendLine(CultureInfo.InvariantCulture, $"`dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {arguments.CommandLine}`")
                .AppendLine()
                .AppendLine(MachineInfo.Describe())
                .AppendLine()
                .AppendLine(CultureInfo.InvariantCulture, $"Edge: {edgeAssembly ?? "this build"}; call timeout {timeout.TotalSeconds:0.###} s; {viewers} reservations sent at once to the frozen origin's edge (no lease).")
                .AppendLine()
                .AppendLine("| answered within | p50 | p90 | p99 | p100 | all answered (wall) | reservation succeeds after SIGCONT |")
                .AppendLine("| --- | --- | --- | --- | --- | --- | --- |")
                .AppendLine(CultureInfo.InvariantCulture, $"| seconds | {P(0.5):F3} | {P(0.9):F3} | {P(0.99):F3} | {P(1):F3} | {wall.TotalSeconds:F3} | {(recovered ? recovery.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture) : "not within 60 s")} |")
                .AppendLine()
                .AppendLine("Answers: " + string.Join("; ", kinds) + ".")
                .ToString();
            Console.WriteLine(report);
            if (save)
            {
                ResultsFile.Append(report);
            }

            return 0;
        }
        finally
        {
            if (frozen)
            {
                PosixSignals.Send(origin.ProcessId, PosixSignals.SigCont);
            }
        }
    }

    private static async Task<Answer> ReserveAsync(HttpClient http, EdgeHost edge, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(edge.Address, $"/v1/drops/{DropId}/reservations"))
        {
            Content = new StringContent($$"""{"skuId":"{{Sku}}","quantity":1}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request, CancellationToken.None);
        var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
        var elapsed = Stopwatch.GetElapsedTime(started);
        string? title = null;
        if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true && text.Length > 0)
        {
            using var json = JsonDocument.Parse(text);
            title = json.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
        }

        return new Answer(response.StatusCode, title, response.Headers.RetryAfter?.Delta?.TotalSeconds, elapsed);
    }

    private sealed record Answer(HttpStatusCode Status, string? Title, double? RetryAfter, TimeSpan Elapsed);
}
