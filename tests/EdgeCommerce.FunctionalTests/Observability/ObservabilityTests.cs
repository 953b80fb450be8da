using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Observability;

/// <summary>
/// Metrics and the live dashboard over real processes: what Prometheus scrapes from an edge and
/// the origin, the P95 an edge reports to its origin over the sync stream, and the dashboard page
/// rendering and updating in a real (headless) browser.
/// </summary>
public sealed partial class ObservabilityTests
{
    private const string Chromium = "/usr/bin/chromium";

    // Heartbeats every 200 ms: an idle edge's load report rides on the answer to one.
    private static readonly string[] s_originSettings = ["--Sync:HeartbeatInterval=00:00:00.200"];

    [Fact]
    public async Task Metrics_WidgetTrafficOnEdge_EdgeCountsHitsAndOriginShowsTheEdgesReportedP95()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), ct, s_originSettings);
        await using var edge = await EdgeNode.StartAsync("edge-obs", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-obs", ct), data.Combine("edge"), ct);
        var head = await origin.PushCatalogAsync("obs-creator", OriginNode.SimpleCatalog("Observed tee"), ct);
        await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == head, TimeSpan.FromSeconds(30), "applying the catalog", ct);

        // Act: one miss, four hits.
        for (var i = 0; i < 5; i++)
        {
            using var widget = await edge.Http.GetAsync("/v1/creators/obs-creator/widget", ct);
            Assert.Equal(HttpStatusCode.OK, widget.StatusCode);
        }

        var edgeMetrics = await edge.Http.GetStringAsync("/metrics", ct);
        var originMetrics = await origin.Http.GetStringAsync("/metrics", ct);

        // Assert: the edge counted the hits as hits, timed the route, and knows its lag.
        Assert.Equal(4, Sample(edgeMetrics, "edgecommerce_catalog_widget_requests_total", "result=\"hit\""));
        Assert.Equal(1, Sample(edgeMetrics, "edgecommerce_catalog_widget_requests_total", "result=\"miss\""));
        Assert.Equal(5, Sample(edgeMetrics, "http_server_request_duration_seconds_count", "http_route=\"/v1/creators/{creatorId}/widget\""));
        Assert.Equal(0, Sample(edgeMetrics, "edgecommerce_sync_lag_revisions", ""));
        Assert.Equal(1, Sample(edgeMetrics, "edgecommerce_sync_connected", ""));
        Assert.DoesNotContain("obs-creator", edgeMetrics, StringComparison.Ordinal);

        // The origin sees one connected edge, at the head.
        Assert.Equal(1, Sample(originMetrics, "edgecommerce_sync_edges", "state=\"connected\""));
        Assert.Equal(0, Sample(originMetrics, "edgecommerce_sync_edge_lag_max", ""));
        Assert.DoesNotContain("edge-obs", originMetrics, StringComparison.Ordinal);

        // The edge reports its own traffic on the sync stream; the origin's overview shows it.
        var report = await WaitForAsync(async () =>
        {
            using var json = JsonDocument.Parse(await origin.Http.GetStringAsync("/dashboard/data.json", ct));
            var edges = json.RootElement.GetProperty("edges").GetProperty("edges");
            var mine = edges.EnumerateArray().Single(e => e.GetProperty("id").GetString() == "edge-obs");
            return mine.GetProperty("report") is { ValueKind: JsonValueKind.Object } r && r.GetProperty("requests").GetInt64() >= 5 ? r.Clone() : (JsonElement?)null;
        }, "the edge's load report at the origin", ct);
        Assert.True(report.GetProperty("p95Ms").GetDouble() > 0);
        Assert.True(report.GetProperty("p99Ms").GetDouble() >= report.GetProperty("p95Ms").GetDouble());
        Assert.Equal(0.8, report.GetProperty("hitRatio").GetDouble(), 3);
    }

    /// <summary>
    /// The dashboard in headless Chromium: the page's script runs, fetches its data, draws a chart
    /// per route and keeps refreshing (<c>data-updates</c> counts successful refreshes). Catches
    /// a script error, an asset the node does not serve, a content-security policy that blocks
    /// the page's own script, and data the page cannot render.
    /// </summary>
    [Fact]
    public async Task Dashboard_InHeadlessChromium_RendersChartsAndUpdates()
    {
        if (!File.Exists(Chromium))
        {
            Assert.Skip("Chromium is not installed (./edgecommerce test installs Debian's chromium).");
        }

        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), ct, s_originSettings);
        await using var edge = await EdgeNode.StartAsync("edge-dash", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-dash", ct), data.Combine("edge"), ct);
        var head = await origin.PushCatalogAsync("dash-creator", OriginNode.SimpleCatalog("Dashboard tee"), ct);
        await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == head, TimeSpan.FromSeconds(30), "applying the catalog", ct);
        for (var i = 0; i < 20; i++)
        {
            using var widget = await edge.Http.GetAsync("/v1/creators/dash-creator/widget", ct);
        }

        // Act
        var edgeDom = await DumpDomAsync(new Uri(edge.Address, "/dashboard"), data.Combine("chrome-edge"), ct);
        var originDom = await DumpDomAsync(new Uri(origin.HttpAddress, "/dashboard"), data.Combine("chrome-origin"), ct);

        // Assert: live, refreshed more than once, with the widget route's chart drawn.
        Assert.Contains("data-state=\"live\"", edgeDom, StringComparison.Ordinal);
        Assert.True(Updates(edgeDom) >= 2, "the edge dashboard did not refresh: " + Updates(edgeDom));
        Assert.Contains("data-route=\"/v1/creators/{creatorId}/widget\"", edgeDom, StringComparison.Ordinal);
        Assert.Matches("<path class=\"p95\" d=\"M[0-9.]+ [0-9.]+", edgeDom);
        Assert.Contains(">Cache hit ratio<", edgeDom, StringComparison.Ordinal);
        Assert.Contains("Edge edge-dash", edgeDom, StringComparison.Ordinal);

        // The origin's overview lists the edge with its state.
        Assert.Contains("data-state=\"live\"", originDom, StringComparison.Ordinal);
        Assert.True(Updates(originDom) >= 2, "the origin dashboard did not refresh: " + Updates(originDom));
        Assert.Matches("<td>edge-dash</td><td>eu-west</td><td class=\"healthy\">healthy</td>", originDom);
    }

    /// <summary>
    /// Traces across the edge → origin gRPC call: with an OTLP endpoint configured, the edge's
    /// client span of its Sync stream and the origin's server span of that same call arrive at the
    /// collector in one trace, the server span a child of the client span. Catches a missing
    /// exporter, tracing left off, and a channel that does not propagate <c>traceparent</c>.
    /// </summary>
    [Fact]
    public async Task Traces_EdgeSyncStream_OriginServerSpanContinuesEdgeClientSpan()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var collector = new OtlpTraceReceiver();
        string[] otlp = [$"--OTEL_EXPORTER_OTLP_ENDPOINT={collector.Endpoint}", "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf", "--OTEL_BSP_SCHEDULE_DELAY=200"];
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), ct, [.. s_originSettings, .. otlp]);
        await using var edge = await EdgeNode.StartAsync("edge-trace", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-trace", ct), data.Combine("edge"), ct, otlp);
        var head = await origin.PushCatalogAsync("trace-creator", OriginNode.SimpleCatalog("Traced tee"), ct);
        await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == head, TimeSpan.FromSeconds(30), "applying the catalog", ct);

        // Act: the stream's spans end when it ends; stopping the edge ends it (and flushes the edge's exporter).
        Assert.Equal(0, await edge.StopAsync());

        // Assert
        var linked = await WaitForAsync(() =>
        {
            var spans = collector.Spans;
            var pair = spans.Where(static s => s.Kind == 3)
                .SelectMany(client => spans.Where(server => server.Kind == 2 && server.TraceId == client.TraceId && server.ParentSpanId == client.SpanId)
                    .Select(server => (client, server)))
                .FirstOrDefault(static p => p.server.Name.Contains("CatalogSync/Sync", StringComparison.Ordinal));
            return Task.FromResult(pair.server is null ? null : (JsonElement?)JsonSerializer.SerializeToElement(new { client = pair.client.Name, server = pair.server.Name }));
        }, "an origin server span of the Sync call whose parent is the edge's client span", ct);
        Assert.Contains("CatalogSync/Sync", linked.GetProperty("server").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Loads <paramref name="url"/> in headless Chromium, lets its timers run for 6 s of virtual time, returns the DOM.</summary>
    private static async Task<string> DumpDomAsync(Uri url, string profile, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Chromium)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=6000", "--dump-dom", url.ToString(),
        })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start Chromium.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var dom = await stdout;
        Assert.True(dom.Contains("<body", StringComparison.Ordinal), $"Chromium printed no DOM (exit {process.ExitCode}): {await stderr}");
        return dom;
    }

    private static int Updates(string dom)
        => UpdatesAttribute().Match(dom) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    /// <summary>The value of the first sample of <paramref name="metric"/> whose labels contain <paramref name="label"/>.</summary>
    private static double Sample(string text, string metric, string label)
    {
        var line = text.Split('\n').FirstOrDefault(l => (l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            && l.Contains(label, StringComparison.Ordinal));
        Assert.True(line is not null, $"no sample {metric} {label} in:\n{text}");
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>Polls until <paramref name="probe"/> returns a value (a condition, not a timing threshold: the deadline only bounds a hang).</summary>
    private static async Task<JsonElement> WaitForAsync(Func<Task<JsonElement?>> probe, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "timed out waiting for " + what);
            await Task.Delay(100, cancellationToken);
        }
    }

    [GeneratedRegex("data-updates=\"([0-9]+)\"")]
    private static partial Regex UpdatesAttribute();
}
