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
/// <c>soak-drops</c>: edge memory across many drops one after another (the state of an
/// ended drop is evicted). One origin and one edge (real processes). Each drop: PUT, wait until it
/// is on the edge, every viewer RSVPs and reserves with an Idempotency-Key (and replays it), half
/// confirm, the rest release; then the drop is cancelled. The edge's RSS is read every
/// <c>--every</c> drops after the sweep had time to run. <c>--edge</c> runs another build's edge (a baseline).
/// </summary>
internal static class SoakDropsBenchmark
{
    private const string Creator = "soak-creator";
    private const string Sku = "soak-tee";
    private static readonly string[] s_viewerScopes = ["drop:reserve", "drop:rsvp"];

    public static async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var drops = arguments.Int("drops", 200, min: 1);
        var viewers = arguments.Int("viewers", 40, min: 1);
        var every = arguments.Int("every", 20, min: 1);
        var edgeAssembly = arguments.All("edge") is [var path, ..] ? Path.GetFullPath(path) : null;
        var save = !arguments.Flag("no-save");
        arguments.EnsureAllRead();

        var started = TimeProvider.System.GetUtcNow();
        var loadAtStart = MachineInfo.LoadAverage;
        using var data = new TempDirectory();
        await using var origin = await OriginHost.StartAsync(data.Combine("origin"), [], cancellationToken);
        await origin.PutSkuCatalogAsync(Creator, Sku, cancellationToken);

        var tokens = await Task.WhenAll(Enumerable.Range(0, viewers).Select(v => origin.MintTokenAsync($"soak-viewer-{v:D3}", Creator, s_viewerScopes, "edge", cancellationToken)));
        await using var edge = new EdgeHost("edge-soak", origin, data.Combine("edge"),
        [
            "Drops:SweepInterval=00:00:00.200", "Drops:Admission:Enabled=false",
            "RateLimits:ViewerBurst=1000000", "RateLimits:ViewerPerSecond=1000000", "RateLimits:CreatorBurst=1000000", "RateLimits:CreatorPerSecond=1000000",
        ], edgeAssembly);
        await edge.StartAsync();
        await edge.WaitUntilReadyAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(120), cancellationToken);
        Console.WriteLine($"soak-drops: {drops} drops × {viewers} viewers; load {loadAtStart}");

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = viewers, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = edge.Address, Timeout = TimeSpan.FromSeconds(30) };
        var samples = new List<(int Drops, long? Rss)>();
        var answers = new Dictionary<HttpStatusCode, int>();
        var clock = Stopwatch.StartNew();
        for (var d = 0; d < drops; d++)
        {
            var dropId = $"soak-{d:D4}";
            var now = DateTimeOffset.UtcNow;
            await origin.PutDropAsync(Creator, dropId, "Soak drop", now.AddMinutes(-1), now.AddHours(1), perViewerLimit: 2, Sku, units: viewers * 2, cancellationToken);
            await edge.WaitForDropAsync(dropId, cancellationToken);
            var statuses = await Task.WhenAll(Enumerable.Range(0, viewers).Select(v => ViewerAsync(http, dropId, tokens[v], v, cancellationToken)));
            foreach (var status in statuses.SelectMany(static s => s))
            {
                answers[status] = answers.GetValueOrDefault(status) + 1;
            }

            using (var cancel = await origin.Admin.DeleteAsync($"/admin/v1/creators/{Creator}/drops/{dropId}", cancellationToken))
            {
                cancel.EnsureSuccessStatusCode();
            }

            if ((d + 1) % every == 0 || d == 0)
            {
                // Two sweeps' time: the cancellation reaches the edge and its state is evicted.
                await Task.Delay(500, cancellationToken);
                var rss = edge.ResidentBytes;
                samples.Add((d + 1, rss));
                Console.WriteLine($"  after {d + 1} drops: edge RSS {ProcessMemory.Mib(rss)} MiB ({clock.Elapsed.TotalSeconds:0} s)");
            }
        }

        var report = Report(arguments, drops, viewers, edgeAssembly, started, loadAtStart, samples, answers, clock.Elapsed);
        Console.WriteLine();
        Console.WriteLine(report);
        if (save)
        {
            ResultsFile.Append(report);
            Console.WriteLine($"Appended to {ResultsFile.Path}");
        }

        return 0;
    }

    /// <summary>One viewer on one drop: RSVP, reserve with a key, replay it, then confirm (even viewers) or release.</summary>
    private static async Task<List<HttpStatusCode>> ViewerAsync(HttpClient http, string dropId, string token, int viewer, CancellationToken cancellationToken)
    {
        var statuses = new List<HttpStatusCode>();
        var key = Guid.NewGuid().ToString("N");
        statuses.Add((await SendAsync(http, HttpMethod.Post, $"/v1/drops/{dropId}/rsvp", token, null, null, cancellationToken)).Status);
        var reserved = await SendAsync(http, HttpMethod.Post, $"/v1/drops/{dropId}/reservations", token, $$"""{"skuId":"{{Sku}}","quantity":1}""", key, cancellationToken);
        statuses.Add(reserved.Status);
        statuses.Add((await SendAsync(http, HttpMethod.Post, $"/v1/drops/{dropId}/reservations", token, $$"""{"skuId":"{{Sku}}","quantity":1}""", key, cancellationToken)).Status);
        if (reserved.Status == HttpStatusCode.Created)
        {
            using var body = JsonDocument.Parse(reserved.Body);
            var id = body.RootElement.GetProperty("reservationId").GetString()!;
            statuses.Add(viewer % 2 == 0
                ? (await SendAsync(http, HttpMethod.Post, $"/v1/reservations/{id}/confirm", token, null, null, cancellationToken)).Status
                : (await SendAsync(http, HttpMethod.Delete, $"/v1/reservations/{id}", token, null, null, cancellationToken)).Status);
        }

        return statuses;
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, HttpMethod method, string path, string token, string? json, string? key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private static string Report(BenchArguments arguments, int drops, int viewers, string? edgeAssembly, DateTimeOffset started, string loadAtStart,
        List<(int Drops, long? Rss)> samples, Dictionary<HttpStatusCode, int> answers, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## soak-drops — {started:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {MachineInfo.Describe()}; {Repository.Configuration} build");
        text.AppendLine(CultureInfo.InvariantCulture, $"- load average at start: {loadAtStart}; at the end: {MachineInfo.LoadAverage}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {arguments.CommandLine}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- edge: {(edgeAssembly is null ? "this build" : $"`{edgeAssembly}`")}; one origin (SQLite) and one edge (`Drops:SweepInterval` 200 ms); {drops} drops one after another, {viewers} viewers each: RSVP, reserve with an Idempotency-Key and replay it, half confirm and half release; then the drop is cancelled; {elapsed.TotalSeconds:0} s in all");
        text.AppendLine(CultureInfo.InvariantCulture, $"- answers: {string.Join(", ", answers.OrderBy(static a => a.Key).Select(static a => $"{(int)a.Key}: {a.Value}"))}");
        text.AppendLine();
        text.AppendLine("| drops done | edge RSS MiB |");
        text.AppendLine("| ---: | ---: |");
        foreach (var (done, rss) in samples)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {done} | {ProcessMemory.Mib(rss)} |");
        }

        var measured = samples.Where(static s => s.Rss is not null).ToList();
        if (measured.Count >= 3)
        {
            // From the second sample on: the first one still includes the edge's warm-up (JIT, first pools).
            var first = measured[1];
            var last = measured[^1];
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"From {first.Drops} to {last.Drops} drops: {(last.Rss!.Value - first.Rss!.Value) / 1024.0 / 1024.0:+0.0;-0.0} MiB ({(last.Rss.Value - first.Rss.Value) / 1024.0 / Math.Max(1, last.Drops - first.Drops):+0.0;-0.0} KiB per drop).");
        }

        return text.ToString();
    }
}
