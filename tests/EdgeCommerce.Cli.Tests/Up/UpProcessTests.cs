using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Demo;
using EdgeCommerce.Cli.Tests.Infrastructure;
using EdgeCommerce.Hosting.Processes;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Up;

/// <summary><c>edgecommerce up</c> as people run it: a real CLI process starting real origin and edge processes.</summary>
public sealed partial class UpProcessTests
{
    /// <summary>Guards against a hang only; startup of three services on a busy 2-core machine can be slow.</summary>
    private static readonly TimeSpan s_startupGuard = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Up_TwoEdges_ServesDemoPropagatesPushAndStopsOnSigterm()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var work = new TempDirectory("edgecommerce-cli-up");
        var data = work.Combine("stack");
        var demoPort = Port();
        await using var up = StartUp(work.Path, "--data", data, "--edges", "2",
            "--origin-port", Port(), "--grpc-port", Port(), "--edge-port", Port(), "--demo-port", demoPort);
        var endpoints = await WaitForEndpointsAsync(up, data, cancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var demo = DemoCatalogs.Create()[0];

        // Assert: both edges serve the demo creator.
        Assert.Equal(2, endpoints.Edges.Count);
        Assert.Equal(2, endpoints.Edges.Select(static e => e.Region).Distinct().Count());
        Assert.Equal(2, endpoints.Edges.Select(static e => e.Url).Distinct().Count());
        foreach (var edge in endpoints.Edges)
        {
            using var response = await http.GetAsync($"{edge.Url}/v1/creators/{demo.Id}/widget", cancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"{edge.Id}: {(int)response.StatusCode}\n{up.Output}");
            using var widget = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            Assert.True(widget.RootElement.GetProperty("revision").GetInt64() > 0);

            // The demo drop was scheduled before the edges started, so their first snapshot holds it.
            using var drop = await http.GetAsync($"{edge.Url}/v1/drops/{DemoDrops.DropId}", cancellationToken);
            Assert.True(drop.IsSuccessStatusCode, $"{edge.Id}: {(int)drop.StatusCode}\n{up.Output}");
            Assert.Equal("scheduled", JsonDocument.Parse(await drop.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("phase").GetString());
        }

        // The DEMO ONLY creator site: its page embeds the shop with the edge's script, its token
        // endpoint hands a demo viewer a token the edges accept, and the edges let that site frame the shop.
        var siteUrl = Regex.Match(up.Output, @"demo site (http://127\.0\.0\.1:\d+)/c/").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(siteUrl), up.Output);
        Assert.Equal("http://127.0.0.1:" + demoPort, siteUrl);
        Assert.Equal(siteUrl, endpoints.DemoSite);

        // The Ready block names both dashboards and how to mint a viewer token for the shop's #token=.
        Assert.Contains($"every edge at a glance  {endpoints.Origin}/dashboard", up.Output, StringComparison.Ordinal);
        Assert.All(endpoints.Edges, edge => Assert.Contains($"{edge.Url}/dashboard", up.Output, StringComparison.Ordinal));
        Assert.Contains($"/shop/{demo.Id}#token=<viewer token>", up.Output, StringComparison.Ordinal);
        Assert.Contains($"./edgecommerce token --creator {demo.Id} --sub viewer-1 --scope \"recs:read drop:rsvp drop:reserve\"", up.Output, StringComparison.Ordinal);
        var sitePage = await http.GetStringAsync($"{siteUrl}/c/{demo.Id}", cancellationToken);
        Assert.Contains("DEMO ONLY", sitePage, StringComparison.Ordinal);
        Assert.Contains($"{endpoints.Edges[0].Url}/embed.js\" data-creator=\"{demo.Id}\"", sitePage, StringComparison.Ordinal);
        using (var minted = await http.PostAsync($"{siteUrl}/token/{demo.Id}", new StringContent(""), cancellationToken))
        {
            Assert.True(minted.IsSuccessStatusCode, $"{(int)minted.StatusCode}\n{up.Output}");
            var viewerToken = JsonDocument.Parse(await minted.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("token").GetString();
            using var me = new HttpRequestMessage(HttpMethod.Get, $"{endpoints.Edges[0].Url}/v1/me");
            me.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", viewerToken);
            using var meResponse = await http.SendAsync(me, cancellationToken);
            var meBody = JsonDocument.Parse(await meResponse.Content.ReadAsStringAsync(cancellationToken)).RootElement;
            Assert.StartsWith("demo-", meBody.GetProperty("subject").GetString(), StringComparison.Ordinal);
            Assert.Equal(demo.Id, meBody.GetProperty("creatorId").GetString());
        }

        using (var shop = await http.GetAsync($"{endpoints.Edges[0].Url}/shop/{demo.Id}", cancellationToken))
        {
            Assert.EndsWith("frame-ancestors 'self' " + siteUrl, string.Join(";", shop.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        }

        // Act: push a changed catalog through the CLI, found through endpoints.json.
        var changed = demo.Catalog with { Products = [demo.Catalog.Products[0] with { Title = "Tour hoodie (Midnight)" }, .. demo.Catalog.Products.Skip(1)] };
        var file = work.Combine("changed.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(changed, CliJsonContext.Default.CatalogFile), cancellationToken);
        var push = await CliRun.RunAsync(["catalog", "push", file, "--creator", demo.Id, "--data", "stack"], work.Path, cancellationToken);

        // Assert: the new revision shows on both edges.
        Assert.True(push.ExitCode == 0, push.ToString());
        var revision = RevisionPattern().Match(push.Out).Groups[1].Value;
        Assert.NotEmpty(revision);
        foreach (var edge in endpoints.Edges)
        {
            await WaitForRevisionAsync(http, $"{edge.Url}/v1/creators/{demo.Id}/widget", revision, "Tour hoodie (Midnight)", cancellationToken);
        }

        // Assert: the origin's registry lists both edges, each healthy with its URL.
        var edges = await CliRun.RunAsync(["edges", "--data", "stack"], work.Path, cancellationToken);
        Assert.True(edges.ExitCode == 0, edges.ToString());
        foreach (var edge in endpoints.Edges)
        {
            Assert.Contains(edges.Out.Split('\n'), line => line.StartsWith(edge.Id, StringComparison.Ordinal) && line.Contains("healthy", StringComparison.Ordinal) && line.Contains(edge.Url, StringComparison.Ordinal));
        }

        // Assert: the demo data holds a drop that already sold (issue 16: a newcomer's first report has real figures).
        Assert.Contains($"drop {DemoFinishedDrop.DropId} of {demo.Id} sold through the first edge", up.Output, StringComparison.Ordinal);
        var report = await CliRun.RunAsync(["drops", "report", "--creator", demo.Id, "--drop", DemoFinishedDrop.DropId, "--json", "--data", "stack"], work.Path, cancellationToken);
        Assert.True(report.ExitCode == 0, report.ToString());
        var totals = JsonDocument.Parse(report.Out).RootElement.GetProperty("totals");
        Assert.Equal(5, totals.GetProperty("units").GetInt32());
        Assert.True(totals.GetProperty("revenueMinor").GetInt64() > 0, report.Out);

        // Act: SIGTERM, as a service manager would.
        var children = ProcessTree.ChildrenOf(up.Id);
        var exitCode = await up.StopAsync(TimeSpan.FromSeconds(60));

        // Assert: a clean stop, and nothing left behind.
        Assert.True(exitCode == 0, $"exit {exitCode}\n{up.Output}");
        Assert.Equal(3, children.Count);
        Assert.All(children, static child => Assert.False(ProcessTree.IsAlive(child), $"child {child} is still running"));
        foreach (var url in endpoints.Edges.Select(static e => e.Url).Append(endpoints.Origin))
        {
            Assert.False(await AcceptsConnectionsAsync(url, cancellationToken), url + " still accepts connections");
        }
    }

    [Fact]
    public async Task Up_OneRelayThreeEdges_TheOtherEdgesSyncThroughTheRelay()
    {
        // Arrange: would catch up starting every edge against the origin again (no relay tier).
        var cancellationToken = TestContext.Current.CancellationToken;
        using var work = new TempDirectory("edgecommerce-cli-up");
        var data = work.Combine("stack");
        await using var up = StartUp(work.Path, "--data", data, "--edges", "3", "--relays", "1",
            "--origin-port", Port(), "--grpc-port", Port(), "--edge-port", Port(), "--demo-port", Port());
        var endpoints = await WaitForEndpointsAsync(up, data, cancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var relayUrl = Regex.Match(up.Output, @"relay on (http://127\.0\.0\.1:\d+)").Groups[1].Value;

        // Assert: the relay edge syncs from the origin; the two others from the relay.
        Assert.False(string.IsNullOrEmpty(relayUrl), up.Output);
        Assert.Equal(3, endpoints.Edges.Count);
        foreach (var edge in endpoints.Edges.Skip(1))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            JsonElement status;
            do
            {
                status = JsonDocument.Parse(await http.GetStringAsync($"{edge.Url}/v1/edge/status", cancellationToken)).RootElement;
                if (status.GetProperty("appliedRevision").GetInt64() > 0)
                {
                    break;
                }

                await Task.Delay(200, cancellationToken);
            }
            while (DateTime.UtcNow < deadline);
            Assert.True(status.GetProperty("appliedRevision").GetInt64() > 0, up.Output);
            Assert.Equal(relayUrl + "/", status.GetProperty("originAddress").GetString());
        }
    }

    [Fact]
    public async Task Up_Rerun_ReusesDataAndPorts()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var work = new TempDirectory("edgecommerce-cli-up");
        var data = work.Combine("stack");
        StackEndpoints first;
        await using (var up = StartUp(work.Path, "--data", data, "--edges", "0", "--origin-port", Port(), "--grpc-port", Port()))
        {
            first = await WaitForEndpointsAsync(up, data, cancellationToken);
            Assert.Equal(0, await up.StopAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("seeded 4 creators", up.Output, StringComparison.Ordinal);
        }

        File.SetLastWriteTimeUtc(EndpointsFile.PathIn(data), new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        // Act: no port options this time.
        await using var again = StartUp(work.Path, "--data", data, "--edges", "0");
        var second = await WaitForEndpointsAsync(again, data, cancellationToken);

        // Assert
        Assert.Equal(first.Origin, second.Origin);
        Assert.Equal(first.OriginGrpc, second.OriginGrpc);
        Assert.Contains("not seeded: the origin already holds 4 creators", again.Output, StringComparison.Ordinal);
        Assert.Equal(0, await again.StopAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Up_OriginKilled_ReportedAndRestartedWhileTheEdgeKeepsServing()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var work = new TempDirectory("edgecommerce-cli-up");
        var data = work.Combine("stack");
        await using var up = StartUp(work.Path, "--data", data, "--edges", "1", "--origin-port", Port(), "--grpc-port", Port(), "--edge-port", Port());
        var endpoints = await WaitForEndpointsAsync(up, data, cancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var demo = DemoCatalogs.Create()[0];
        var widget = $"{endpoints.Edges[0].Url}/v1/creators/{demo.Id}/widget";
        var origin = ProcessTree.ChildrenOf(up.Id).Single(child => File.ReadAllText($"/proc/{child}/cmdline").Contains("EdgeCommerce.Origin", StringComparison.Ordinal));

        // Act: kill -9 the origin.
        using (var process = Process.GetProcessById(origin))
        {
            process.Kill();
        }

        // Assert: the edge answers every read while up reports the crash and brings the origin back.
        var guard = Stopwatch.StartNew();
        var served = 0;
        while (!up.Output.Contains("origin   ready again after a restart", StringComparison.Ordinal))
        {
            Assert.False(up.HasExited, "up exited:\n" + up.Output);
            Assert.True(guard.Elapsed < s_startupGuard, "the origin was not restarted:\n" + up.Output);
            using var response = await http.GetAsync(widget, cancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"the edge answered {(int)response.StatusCode} while the origin was down\n{up.Output}");
            served++;
            await Task.Delay(100, cancellationToken);
        }

        Assert.True(served > 0);
        Assert.Contains("origin   exited unexpectedly with exit code 137", up.Output, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(data, "logs", "origin.log"), up.Output, StringComparison.Ordinal);
        Assert.Contains("The other services keep running; restarting origin in 1 s", up.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(origin, ProcessTree.ChildrenOf(up.Id));
        Assert.Equal(2, ProcessTree.ChildrenOf(up.Id).Count);

        // Assert: the edge resumed from the restarted origin: a push through it reaches the edge.
        var changed = demo.Catalog with { Products = [demo.Catalog.Products[0] with { Title = "Tour hoodie (after the crash)" }, .. demo.Catalog.Products.Skip(1)] };
        var file = work.Combine("changed.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(changed, CliJsonContext.Default.CatalogFile), cancellationToken);
        var push = await CliRun.RunAsync(["catalog", "push", file, "--creator", demo.Id, "--data", "stack"], work.Path, cancellationToken);
        Assert.True(push.ExitCode == 0, push.ToString());
        await WaitForRevisionAsync(http, widget, RevisionPattern().Match(push.Out).Groups[1].Value, "Tour hoodie (after the crash)", cancellationToken);

        // Assert: Ctrl-C (here SIGTERM) still stops everything, cleanly.
        var children = ProcessTree.ChildrenOf(up.Id);
        Assert.Equal(0, await up.StopAsync(TimeSpan.FromSeconds(60)));
        Assert.All(children, static child => Assert.False(ProcessTree.IsAlive(child), $"child {child} is still running"));
    }

    private static ServiceProcess StartUp(string workingDirectory, params string[] arguments)
        => TestServices.Start("up", CliRun.AssemblyPath, ["up", .. arguments], CliRun.Environment, workingDirectory);

    private static string Port() => FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>endpoints.json is written once every service is ready (atomically, so a read never sees half of it).</summary>
    private static async Task<StackEndpoints> WaitForEndpointsAsync(ServiceProcess up, string data, CancellationToken cancellationToken)
    {
        var path = EndpointsFile.PathIn(data);
        var started = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
        var guard = Stopwatch.StartNew();
        while (guard.Elapsed < s_startupGuard)
        {
            Assert.False(up.HasExited, "up exited before it was ready:\n" + up.Output);
            if (File.Exists(path) && File.GetLastWriteTimeUtc(path) > started && up.Output.Contains("Press Ctrl-C to stop.", StringComparison.Ordinal))
            {
                return EndpointsFile.Read(data)!;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException("up did not write endpoints.json:\n" + up.Output);
    }

    /// <summary>Polls for at most 5 s: the edges follow the origin's stream, so a change shows almost at once.</summary>
    private static async Task WaitForRevisionAsync(HttpClient http, string url, string revision, string expectedText, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (true)
        {
            using (var response = await http.GetAsync(url, cancellationToken))
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                var seen = response.Headers.TryGetValues("X-Catalog-Revision", out var values) ? values.First() : "";
                if (seen == revision && body.Contains(expectedText, StringComparison.Ordinal))
                {
                    return;
                }

                last = $"{(int)response.StatusCode} revision {seen}";
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"{url} still at {last}, expected revision {revision}");
            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(string url, CancellationToken cancellationToken)
    {
        var uri = new Uri(url);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(uri.Host, uri.Port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"revision (\d+),")]
    private static partial Regex RevisionPattern();
}
