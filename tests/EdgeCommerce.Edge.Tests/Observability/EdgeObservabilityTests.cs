using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeCommerce.Edge.Tests.Infrastructure;
using EdgeCommerce.ServiceDefaults.Observability;
using static EdgeCommerce.Edge.Tests.Infrastructure.CatalogData;

namespace EdgeCommerce.Edge.Tests.Observability;

/// <summary>
/// What an SRE reads from an edge: <c>/metrics</c> in Prometheus text (names, units, labels) and
/// the dashboard's data, after real requests through the in-memory host.
/// </summary>
[Collection(ProcessMetersGroup.Name)]
public sealed partial class EdgeObservabilityTests(EdgeApiFixture fixture) : IClassFixture<EdgeApiFixture>, IDisposable
{
    private const string WidgetRoute = "/v1/creators/{creatorId}/widget";

    public void Dispose() => Assert.Empty(fixture.ErrorLogs);

    [Fact]
    public async Task GetMetrics_AfterWidgetTraffic_ExposesHitsRequestDurationPerRouteAndSyncLag()
    {
        // Arrange: one miss, then two hits, of a creator whose id must never become a label.
        var ct = TestContext.Current.CancellationToken;
        await fixture.UpsertAsync(CatalogOf("metrics-creator-7f3a", 0, "p1"), ct);
        using var client = fixture.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/v1/creators/metrics-creator-7f3a/widget", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Act: ASP.NET Core records a request's duration after its response went out, so the
        // client can see the third answer before it is counted: scrape until it is (or give up).
        HttpResponseMessage scrape;
        string text;
        var deadline = TimeProvider.System.GetTimestamp();
        do
        {
            scrape = await client.GetAsync("/metrics", ct);
            text = await scrape.Content.ReadAsStringAsync(ct);
        }
        while (SampleOrZero(text, "http_server_request_duration_seconds_count", $"http_route=\"{WidgetRoute}\"") < 3
            && TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(10));

        using var _ = scrape;

        // Assert: Prometheus text format.
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.StartsWith("text/plain", scrape.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);

        // Widget outcomes: a counter with a closed `result` label; the hits were counted as hits.
        Assert.Contains("# TYPE edgecommerce_catalog_widget_requests_total counter", text, StringComparison.Ordinal);
        Assert.True(Sample(text, "edgecommerce_catalog_widget_requests_total", "result=\"hit\"") >= 2, text);
        Assert.True(Sample(text, "edgecommerce_catalog_widget_requests_total", "result=\"miss\"") >= 1, text);
        Assert.Contains("# TYPE edgecommerce_catalog_widget_render_duration_seconds histogram", text, StringComparison.Ordinal);

        // Request duration in seconds, per route template, with buckets below a millisecond.
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
        var widgetCount = Sample(text, "http_server_request_duration_seconds_count", $"http_route=\"{WidgetRoute}\"");
        Assert.True(widgetCount >= 3, text);
        foreach (var bucket in new[] { "5E-05", "0.0001", "0.0002", "0.0005", "0.001" })
        {
            Assert.Contains($"le=\"{bucket}\"", BucketLines(text, WidgetRoute), StringComparison.Ordinal);
        }

        // Sync: lag in revisions and seconds, link, reconnects, snapshots.
        foreach (var name in new[]
        {
            "edgecommerce_sync_lag_revisions", "edgecommerce_sync_lag_duration_seconds", "edgecommerce_sync_connected",
            "edgecommerce_sync_reconnects_total", "edgecommerce_sync_snapshots_total", "edgecommerce_sync_replica_revision",
        })
        {
            Assert.Matches(new Regex("^" + Regex.Escape(name) + "[{ ]", RegexOptions.Multiline), text);
        }

        // Labels come from closed sets: no creator id, no raw path anywhere.
        Assert.DoesNotContain("metrics-creator-7f3a", text, StringComparison.Ordinal);
        // Every label value of ours is from the documented closed set.
        foreach (Match match in ResultLabel().Matches(text))
        {
            Assert.Contains(match.Groups[1].Value, new[] { "hit", "miss", "stale", "not_modified", "not_found", "unavailable" });
        }
    }

    [Fact]
    public async Task GetWidget_WhileOriginLinkDown_CountedAsStaleNotAsHit()
    {
        // Arrange: a host of its own whose link to the origin went down after the data arrived.
        var ct = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();
        await edge.UpsertAsync(CatalogOf("stale-creator", 0, "p1"), ct);
        using var client = edge.CreateClient();
        using var fresh = await client.GetAsync("/v1/creators/stale-creator/widget", ct);
        edge.SyncState.OnDisconnected();

        // Act
        using var stale = await client.GetAsync("/v1/creators/stale-creator/widget", ct);

        // Assert: still served from the replica, and counted as what it is.
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(1, edge.WidgetRequests("miss"));
        Assert.Equal(0, edge.WidgetRequests("hit"));
        Assert.Equal(1, edge.WidgetRequests("stale"));
    }

    [Fact]
    public async Task GetDashboardData_AfterTraffic_ReportsRoutePercentilesHitRatioAndSync()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var revision = await fixture.UpsertAsync(CatalogOf("dash-creator", 0, "p1"), ct);
        using var client = fixture.CreateClient();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync("/v1/creators/dash-creator/widget", ct);
        }

        // Act: a request's latency is recorded after its response went out, so the client can
        // see the fourth answer before it is counted: read until it is (or give up).
        using var page = await client.GetAsync("/dashboard", ct);
        JsonDocument json;
        var deadline = TimeProvider.System.GetTimestamp();
        while (true)
        {
            using var data = await client.GetAsync("/dashboard/data.json", ct);
            json = JsonDocument.Parse(await data.Content.ReadAsStringAsync(ct));
            if (WidgetRouteCount(json.RootElement) >= 4 || TimeProvider.System.GetElapsedTime(deadline) >= TimeSpan.FromSeconds(10))
            {
                break;
            }

            json.Dispose();
        }

        using var _ = json;
        var root = json.RootElement;

        // Assert: the page is served by the edge itself, its script too.
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync(ct);
        Assert.Contains("src=\"/dashboard/dashboard.js\"", html, StringComparison.Ordinal);
        Assert.Contains($"Edge {EdgeApiFixture.EdgeId}", html, StringComparison.Ordinal);
        using var script = await client.GetAsync("/dashboard/dashboard.js", ct);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);

        // The widget route with its percentiles over the last minute.
        var widget = root.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("route").GetString() == WidgetRoute);
        Assert.True(widget.GetProperty("count").GetInt64() >= 4);
        var p50 = widget.GetProperty("p50Ms").GetDouble();
        var p95 = widget.GetProperty("p95Ms").GetDouble();
        var p99 = widget.GetProperty("p99Ms").GetDouble();
        Assert.True(p50 > 0 && p50 <= p95 && p95 <= p99, $"{p50} {p95} {p99}");
        Assert.Equal(RequestLatencyWindow.Seconds, widget.GetProperty("series").GetArrayLength());
        Assert.Equal("edge", root.GetProperty("node").GetProperty("kind").GetString());

        // Cache and sync sections.
        var cache = root.GetProperty("cache");
        Assert.True(cache.GetProperty("hits").GetInt64() >= 3);
        Assert.InRange(cache.GetProperty("hitRatio").GetDouble(), 0.5, 1.0);
        var sync = root.GetProperty("sync");
        Assert.Equal(revision, sync.GetProperty("appliedRevision").GetInt64());
        Assert.Equal(0, sync.GetProperty("lagRevisions").GetInt64());
        Assert.Contains(root.GetProperty("tiles").EnumerateArray(), t => t.GetProperty("title").GetString() == "Model version");
        Assert.Contains(root.GetProperty("tiles").EnumerateArray(), t => t.GetProperty("title").GetString() == "Origin circuit" && t.GetProperty("value").GetString() == "closed");
    }

    private static long WidgetRouteCount(JsonElement root)
        => root.GetProperty("routes").EnumerateArray().Where(r => r.GetProperty("route").GetString() == WidgetRoute)
            .Select(static r => r.GetProperty("count").GetInt64()).FirstOrDefault();

    /// <summary>As <see cref="Sample"/>, but 0 while no such sample exists yet (a scrape that came before the first recording).</summary>
    private static double SampleOrZero(string text, string metric, string label)
        => text.Split('\n').Any(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal)) ? Sample(text, metric, label) : 0;

    /// <summary>The value of the sample of <paramref name="metric"/> whose labels contain <paramref name="label"/>.</summary>
    private static double Sample(string text, string metric, string label)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal));
        Assert.True(line is not null, $"no sample {metric} with {label}");
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    private static string BucketLines(string text, string route)
        => string.Join('\n', text.Split('\n').Where(l => l.StartsWith("http_server_request_duration_seconds_bucket{", StringComparison.Ordinal)
            && l.Contains($"http_route=\"{route}\"", StringComparison.Ordinal)));

    [GeneratedRegex("edgecommerce_catalog_widget_requests_total\\{[^}]*result=\"([^\"]*)\"")]
    private static partial Regex ResultLabel();
}
