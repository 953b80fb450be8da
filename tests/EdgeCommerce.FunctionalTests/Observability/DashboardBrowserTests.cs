using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Tests.Common;
using Microsoft.Playwright;

namespace EdgeCommerce.FunctionalTests.Observability;

/// <summary>
/// The dashboards in headless Chromium (Playwright) during a drop with viewers' live-stock streams
/// open: the headline P95 is the viewers' request latency, not how long pages stay open; streams
/// are counted as streams; the tiles say real things. Screenshots land in
/// <c>artifacts/test-results/dashboard/</c>.
/// </summary>
public sealed class DashboardBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private const string Creator = "dash-live";
    private const string DropId = "dash-drop";
    private const int Units = 50;
    private const int Streams = 6;

    private static readonly string s_screenshots = Path.Combine(Repository.Root, "artifacts", "test-results", "dashboard");

    /// <summary>
    /// Six viewers keep the drop's live stock open for seconds while others load the widget and
    /// reserve. On the old code each stream entered the percentiles with its whole lifetime (the
    /// headline went to seconds, the stream route had its own chart, and the origin's sync stream
    /// sat in its P95); here the headline stays within the slowest widget or reservation answer the
    /// client itself measured, the streams are counted apart, and an unmatched request is left out.
    /// Then the origin goes away: the edge's lag reads "unknown" (not a green zero) and the
    /// "disconnected" tile does not overflow.
    /// </summary>
    [Fact]
    public async Task Dashboards_WithLiveStockStreamsOpen_HeadlineStaysTheViewersLatency()
    {
        if (!File.Exists(Chromium))
        {
            Assert.Skip("Chromium is not installed (./edgecommerce test installs Debian's chromium).");
        }

        // Arrange: an origin, an edge, a drop open now.
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(s_screenshots);
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), ct, "--Sync:HeartbeatInterval=00:00:00.200");
        // A loaded test machine can take seconds for a first lease: not what this test is about.
        await using var edge = await origin.StartEdgeAsync("edge-dash-live", "eu-west", data.Combine("edge"), ct, null, "--Origin:CallTimeout=00:00:20");
        await origin.PushCatalogAsync(Creator, OriginNode.SimpleCatalog("Live tee"), ct);
        await PutDropAsync(origin, ct);
        await edge.WaitForDropAsync(DropId, ct);

        // The browser starts first: everything below must fall within the dashboard's one-minute window.
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await using var _ = context;
        var errors = new List<string>();
        var page = await context.NewPageAsync();
        page.Console += (_, message) => { if (message.Type == "error") { errors.Add(message.Text); } };

        // Act 1: viewers open the live stock and keep it open.
        var streams = new List<(HttpClient Client, HttpResponseMessage Response)>();
        for (var i = 0; i < Streams; i++)
        {
            var client = new HttpClient { BaseAddress = edge.Address, Timeout = Timeout.InfiniteTimeSpan };
            var response = await client.GetAsync($"/v1/drops/{DropId}/stream", HttpCompletionOption.ResponseHeadersRead, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            Assert.StartsWith("event: availability", await reader.ReadLineAsync(ct), StringComparison.Ordinal);
            streams.Add((client, response));
        }

        // Others load the widget and reserve; the client times every answer.
        var slowestMs = 0.0;
        async Task<HttpResponseMessage> TimedAsync(Func<Task<HttpResponseMessage>> send)
        {
            var clock = Stopwatch.StartNew();
            var response = await send();
            await response.Content.LoadIntoBufferAsync(ct);
            slowestMs = Math.Max(slowestMs, clock.Elapsed.TotalMilliseconds);
            return response;
        }

        for (var i = 0; i < 30; i++)
        {
            using var widget = await TimedAsync(() => edge.Http.GetAsync($"/v1/creators/{Creator}/widget", ct));
            Assert.Equal(HttpStatusCode.OK, widget.StatusCode);
        }

        for (var i = 0; i < 4; i++)
        {
            var token = await ViewerTokenAsync(origin, "viewer-" + i, ct);
            var key = Guid.NewGuid().ToString("N");
            using var reserve = await RetriedAsync(() => TimedAsync(() => Send(edge, HttpMethod.Post, $"/v1/drops/{DropId}/reservations", token, key, new { skuId = "tee-01-m", quantity = 1 }, ct)), ct);
            Assert.Equal(HttpStatusCode.Created, reserve.StatusCode);
            var reservationId = (await reserve.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("reservationId").GetString();
            using var confirm = await RetriedAsync(() => TimedAsync(() => Send(edge, HttpMethod.Post, $"/v1/reservations/{reservationId}/confirm", token, key, null, ct)), ct);
            Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        }

        using (var favicon = await edge.Http.GetAsync("/favicon.ico", ct))
        {
            Assert.Equal("image/svg+xml", favicon.Content.Headers.ContentType?.MediaType);
        }

        using (var unmatched = await edge.Http.GetAsync("/wp-login.php", ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, unmatched.StatusCode);
        }

        // The streams stay open a few seconds (long enough to dwarf every request), then half leave.
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        for (var i = 0; i < Streams / 2; i++)
        {
            streams[i].Response.Dispose();
            streams[i].Client.Dispose();
        }

        var edgeMetrics = await WaitForMetricAsync(edge.Http, "edgecommerce_http_streams_open", "kind=\"sse\"", Streams / 2, ct);
        var originMetrics = await origin.Http.GetStringAsync("/metrics", ct);

        // Act 2: both dashboards in Chromium.
        await page.GotoAsync(new Uri(edge.Address, "/dashboard").ToString());
        await WaitForUpdatesAsync(page);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(s_screenshots, "01-edge-with-live-streams.png"), FullPage = true });

        // Assert: the headline is the viewers' latency, measured on the server, so no slower than the
        // client saw it (with the window's buckets' 5% resolution); the streams lasted over 3 s.
        var headline = page.Locator("#headline");
        var p95 = double.Parse(await headline.GetAttributeAsync("data-p95") ?? "", CultureInfo.InvariantCulture);
        Assert.InRange(p95, 0.001, slowestMs * 1.1);
        Assert.Contains("ms · n=", await headline.Locator(".note").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal((Streams / 2).ToString(CultureInfo.InvariantCulture), await page.Locator("#streams").GetAttributeAsync("data-open"));
        Assert.Contains("3 sse", await page.Locator("#streams .note").TextContentAsync(), StringComparison.Ordinal);
        var routes = await page.Locator("#routes .route").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.route)");
        Assert.Contains("/v1/creators/{creatorId}/widget", routes);
        Assert.DoesNotContain(routes, static r => r.Contains("stream", StringComparison.Ordinal) || r.Contains("no route", StringComparison.Ordinal) || r.Contains("favicon", StringComparison.Ordinal));
        // A route resting on fewer requests than the threshold (the confirm route: 4) is greyed.
        Assert.Contains("thin", await page.Locator("#routes .route[data-route='/v1/reservations/{reservationId}/confirm']").GetAttributeAsync("class"), StringComparison.Ordinal);
        Assert.DoesNotContain("thin", await page.Locator("#routes .route[data-route='/v1/creators/{creatorId}/widget']").GetAttributeAsync("class"), StringComparison.Ordinal);
        // The tiles are real.
        Assert.Equal("no model yet: popularity answers", await page.Locator("[data-title='Model version'] .note").TextContentAsync());
        Assert.Matches("^[0-9]+ unsold$", await page.Locator("[data-title='Drop stock'] .value").TextContentAsync());
        Assert.Contains($"of {Units} sold · 1 live drop", await page.Locator("[data-title='Drop stock'] .note").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("image/svg+xml", await page.Locator("link[rel=icon]").GetAttributeAsync("type"));

        // Prometheus agrees: no stream in the request histogram, the streams and the unmatched request counted apart.
        Assert.DoesNotContain("stream\"", string.Join('\n', edgeMetrics.Split('\n').Where(static l => l.StartsWith("http_server_request_duration_seconds", StringComparison.Ordinal))), StringComparison.Ordinal);
        Assert.Equal(Streams / 2, Sample(edgeMetrics, "edgecommerce_http_stream_duration_seconds_count", "kind=\"sse\""));
        Assert.Equal(1, Sample(edgeMetrics, "edgecommerce_http_unmatched_requests_total", ""));
        Assert.DoesNotContain("CatalogSync/Sync", string.Join('\n', originMetrics.Split('\n').Where(static l => l.StartsWith("http_server_request_duration_seconds", StringComparison.Ordinal))), StringComparison.Ordinal);
        Assert.True(Sample(originMetrics, "edgecommerce_http_streams_open", "kind=\"grpc_stream\"") >= 1);

        // The origin's overview: the edge's bar says how many requests its P95 rests on, in the axis font size.
        var originPage = await context.NewPageAsync();
        await originPage.GotoAsync(new Uri(origin.HttpAddress, "/dashboard").ToString());
        await WaitForUpdatesAsync(originPage);
        await Assertions.Expect(originPage.Locator("#edge-chart text").Filter(new() { HasTextString = "n=" })).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        var barFont = await originPage.Locator("#edge-chart text").First.EvaluateAsync<double>("t => t.getBoundingClientRect().height");
        Assert.InRange(barFont, 5, 20);
        var originRoutes = await originPage.Locator("#routes .route").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.route)");
        Assert.DoesNotContain(originRoutes, static r => r.Contains("CatalogSync", StringComparison.Ordinal));
        await originPage.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(s_screenshots, "02-origin-overview.png"), FullPage = true });

        // Act 3: the origin goes away.
        await origin.KillAsync();
        await edge.WaitForStatusAsync(static s => !s.GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(30), "losing the origin", ct);
        await Assertions.Expect(page.Locator("#origin-link .value")).ToHaveTextAsync("disconnected", new() { Timeout = 20_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(s_screenshots, "03-edge-origin-down.png"), FullPage = true });

        // Assert: lag unknown and red, never a green zero; the word fits its tile.
        Assert.Equal("unknown", await page.Locator("#sync-lag .value").TextContentAsync());
        Assert.Contains("bad", await page.Locator("#sync-lag").GetAttributeAsync("class"), StringComparison.Ordinal);
        Assert.True(await page.Locator("#origin-link .value").EvaluateAsync<bool>("v => v.scrollWidth <= v.parentElement.clientWidth"), "'disconnected' overflows its tile");
        Assert.Empty(errors);
        foreach (var (client, response) in streams.Skip(Streams / 2))
        {
            response.Dispose();
            client.Dispose();
        }
    }

    private static async Task PutDropAsync(OriginNode origin, CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        var body = JsonSerializer.Serialize(new
        {
            title = "Dashboard drop",
            startsAt = now.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            endsAt = now.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            perViewerLimit = 1,
            allocations = new[] { new { skuId = "tee-01-m", units = Units } },
        });
        using var response = await origin.Http.PutAsync($"/admin/v1/creators/{Creator}/drops/{DropId}", new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private static async Task<string> ViewerTokenAsync(OriginNode origin, string viewerId, CancellationToken cancellationToken)
    {
        using var response = await origin.Http.PostAsJsonAsync($"/admin/v1/creators/{Creator}/viewer-tokens", new { viewerId }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
    }

    /// <summary>Retries a 503 after its Retry-After, as a buyer's page does (the same idempotency key makes it safe).</summary>
    private static async Task<HttpResponseMessage> RetriedAsync(Func<Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 5)
            {
                return response;
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait, cancellationToken);
        }
    }

    private static Task<HttpResponseMessage> Send(EdgeNode edge, HttpMethod method, string path, string token, string idempotencyKey, object? json, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (json is not null)
        {
            request.Content = JsonContent.Create(json);
        }

        return edge.Http.SendAsync(request, cancellationToken);
    }

    private static async Task WaitForUpdatesAsync(IPage page)
        => await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-updates", new System.Text.RegularExpressions.Regex("^([2-9]|[1-9][0-9]+)$"), new() { Timeout = 30_000 });

    /// <summary>Scrapes until <paramref name="metric"/> reaches <paramref name="expected"/> (a stream's end is recorded when its request ends).</summary>
    private static async Task<string> WaitForMetricAsync(HttpClient http, string metric, string label, double expected, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var text = await http.GetStringAsync("/metrics", cancellationToken);
            if (TrySample(text, metric, label) == expected || elapsed.Elapsed > TimeSpan.FromSeconds(30))
            {
                return text;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static double Sample(string text, string metric, string label)
    {
        var value = TrySample(text, metric, label);
        Assert.True(value is not null, $"no sample {metric} {label} in:\n{text}");
        return value.Value;
    }

    private static double? TrySample(string text, string metric, string label)
    {
        var line = text.Split('\n').FirstOrDefault(l => (l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            && l.Contains(label, StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
