using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Hosting.Processes;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Drops;

/// <summary>
/// Issue 15 §2 over real processes: an edge killed with SIGKILL mid-drop strands nothing, and a
/// viewer who leaves while the edge waits for a lease keeps no per-viewer count.
/// </summary>
public sealed class DropCrashProcessTests
{
    private const string Creator = "crash-creator";
    private const string DropId = "crash-drop";
    private const string Sku = "crash-tee";

    /// <summary>
    /// Edge A holds every unit of a SKU (one sold, two held) when it is killed with SIGKILL.
    /// Catches: the held units locked at the origin until the lease ends (10 min; edge B answering
    /// 503 meanwhile) instead of back within seconds of A's restart; a buyer whose confirm landed
    /// before the kill told 404 when retrying it on the restarted A (the sale is theirs: 200);
    /// and units of the dead process's lease handed out again (more reserved than exist). The
    /// time from the kill to the units' return goes to perf/RESULTS.md ("crash").
    /// </summary>
    [Fact]
    public async Task Reserve_EdgeKilledHoldingEveryUnit_UnitsBackWithinSecondsOfTheRestartAndTheSaleStillAnswers()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken, "--Sync:HeartbeatInterval=00:00:00.500");
        string[] edgeSettings = ["--Drops:LeaseUnits=1", "--Drops:Admission:Enabled=false", "--RateLimits:ViewerBurst=100000", "--RateLimits:ViewerPerSecond=100000"];
        await using var edgeA = await EdgeNode.StartAsync("edge-a", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-a", cancellationToken),
            data.Combine("edge-a"), cancellationToken, edgeSettings);
        await using var edgeB = await EdgeNode.StartAsync("edge-b", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-b", cancellationToken),
            data.Combine("edge-b"), cancellationToken, edgeSettings);
        var admin = await origin.MintTokenAsync("ops", null, ["admin:drops", "admin:platform"], "origin", cancellationToken);
        await PutDropAsync(origin, admin, allocation: 3, perViewerLimit: 2, cancellationToken);
        var viewers = await Task.WhenAll(Enumerable.Range(0, 5).Select(v => origin.MintTokenAsync($"viewer-{v}", Creator, ["drop:reserve"], "edge", cancellationToken)));
        await edgeA.WaitForDropAsync(DropId, cancellationToken);
        await edgeB.WaitForDropAsync(DropId, cancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var sold = await ReserveAsync(http, edgeA, viewers[0], "key-0", cancellationToken);
        var soldId = sold.Body!.Value.GetProperty("reservationId").GetString()!;
        var confirmed = await SendAsync(http, HttpMethod.Post, new Uri(edgeA.Address, $"/v1/reservations/{soldId}/confirm"), viewers[0], null, null, cancellationToken);
        var held = await ReserveAsync(http, edgeA, viewers[1], "key-1", cancellationToken);
        var heldId = held.Body!.Value.GetProperty("reservationId").GetString()!;
        await ReserveAsync(http, edgeA, viewers[2], "key-2", cancellationToken);
        var refusedElsewhere = await ReserveAsync(http, edgeB, viewers[3], "key-3", cancellationToken);
        var leasedBefore = await LeasedAsync(origin, admin, cancellationToken);

        // Act
        await edgeA.KillAsync();
        var restart = Stopwatch.StartNew();
        await edgeA.RestartAsync(cancellationToken);
        var alive = restart.Elapsed;
        var leased = leasedBefore;
        while (leased > 0 && restart.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(50, cancellationToken);
            leased = await LeasedAsync(origin, admin, cancellationToken);
        }

        var unitsBackAfter = restart.Elapsed;
        var confirmRetried = await SendAsync(http, HttpMethod.Post, new Uri(edgeA.Address, $"/v1/reservations/{soldId}/confirm"), viewers[0], null, null, cancellationToken);
        var heldRetried = await SendAsync(http, HttpMethod.Post, new Uri(edgeA.Address, $"/v1/reservations/{heldId}/confirm"), viewers[1], null, null, cancellationToken);
        var elsewhere = await ReserveAsync(http, edgeB, viewers[3], "key-3b", cancellationToken);
        var here = await ReserveAsync(http, edgeA, viewers[4], "key-4", cancellationToken);
        var oneTooMany = await ReserveAsync(http, edgeA, viewers[1], "key-1b", cancellationToken);
        foreach (var (answer, edge, token) in new[] { (elsewhere, edgeB, viewers[3]), (here, edgeA, viewers[4]) })
        {
            var id = answer.Body!.Value.GetProperty("reservationId").GetString()!;
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Post, new Uri(edge.Address, $"/v1/reservations/{id}/confirm"), token, null, null, cancellationToken)).Status);
        }

        // Assert
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"units back {unitsBackAfter.TotalSeconds:F3} s after the kill, {(unitsBackAfter - alive).TotalSeconds:F3} s after the restarted edge was up"));
        Assert.Equal(HttpStatusCode.OK, confirmed.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refusedElsewhere.Status);
        Assert.Equal(2, leasedBefore);
        Assert.Equal(0, leased);
        // About a second once the edge is up; the bound leaves room for this shared machine's load
        // (a process start alone took 15 s under it), and the old code took the lease's 10 minutes.
        Assert.True(unitsBackAfter < TimeSpan.FromSeconds(60), $"units back {unitsBackAfter.TotalSeconds:F3} s after the kill");
        Assert.Equal(HttpStatusCode.OK, confirmRetried.Status);
        Assert.Equal((soldId, "confirmed"), (confirmRetried.Body!.Value.GetProperty("reservationId").GetString(), confirmRetried.Body.Value.GetProperty("status").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, heldRetried.Status);
        Assert.Equal(HttpStatusCode.Created, elsewhere.Status);
        Assert.Equal(HttpStatusCode.Created, here.Status);
        Assert.NotEqual(HttpStatusCode.Created, oneTooMany.Status);
        var drop = await origin.GetAdminAsync($"/admin/v1/creators/{Creator}/drops/{DropId}", admin, cancellationToken);
        var sku = drop.GetProperty("skus")[0];
        var sales = (await origin.GetAdminAsync($"/admin/v1/creators/{Creator}/drops/{DropId}/sales", admin, cancellationToken)).GetProperty("sales").EnumerateArray().ToList();
        Assert.Equal(3, sku.GetProperty("sold").GetInt32());
        Assert.Equal(3, sales.Count);
        Assert.DoesNotContain(sales, s => s.GetProperty("reservationId").GetString() == heldId);
    }

    /// <summary>
    /// The origin is frozen (SIGSTOP) so the edge waits for a lease; the viewer (limit 1) gives up
    /// mid-wait. Catches the per-viewer count left raised by the aborted reservation: the viewer's
    /// next attempt answered 429 on this edge until it restarts.
    /// </summary>
    [Fact]
    public async Task Reserve_ClientCancelsWhileTheEdgeWaitsForALease_TheViewerCanReserveAfterwards()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken, "--Sync:HeartbeatInterval=00:00:00.500");
        await using var edge = await EdgeNode.StartAsync("edge-c", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-c", cancellationToken),
            data.Combine("edge"), cancellationToken,
            "--Origin:CallTimeout=00:00:03", "--Drops:Admission:Enabled=false", "--RateLimits:ViewerBurst=100000", "--RateLimits:ViewerPerSecond=100000");
        var admin = await origin.MintTokenAsync("ops", null, ["admin:drops", "admin:platform"], "origin", cancellationToken);
        await PutDropAsync(origin, admin, allocation: 10, perViewerLimit: 1, cancellationToken);
        var viewer = await origin.MintTokenAsync("viewer-x", Creator, ["drop:reserve"], "edge", cancellationToken);
        await edge.WaitForDropAsync(DropId, cancellationToken);
        await edge.WaitForStatusAsync(static s => s.GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(15), "connected", cancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var frozen = false;
        try
        {
            // Act
            Assert.True(PosixSignals.Send(origin.ProcessId, PosixSignals.SigStop));
            frozen = true;
            using (var leaving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                leaving.CancelAfter(TimeSpan.FromMilliseconds(500));
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReserveAsync(http, edge, viewer, "key-1", leaving.Token));
            }

            Assert.True(PosixSignals.Send(origin.ProcessId, PosixSignals.SigCont));
            frozen = false;
            Answer again;
            var thawed = Stopwatch.StartNew();
            // 429 only while the edge has not yet seen the first request go (it is still waiting for
            // its lease): the count must come back within seconds, not after a reservation's TTL.
            do
            {
                again = await ReserveAsync(http, edge, viewer, "key-2", cancellationToken);
                if (again.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
                {
                    await Task.Delay(200, cancellationToken);
                }
            }
            while (again.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests && thawed.Elapsed < TimeSpan.FromSeconds(15));

            // Assert
            Assert.True(again.Status == HttpStatusCode.Created, $"{again.Status} {again.Body}");
        }
        finally
        {
            if (frozen)
            {
                PosixSignals.Send(origin.ProcessId, PosixSignals.SigCont);
            }
        }
    }

    private static async Task<int> LeasedAsync(OriginNode origin, string admin, CancellationToken cancellationToken)
        => (await origin.GetAdminAsync($"/admin/v1/creators/{Creator}/drops/{DropId}", admin, cancellationToken)).GetProperty("skus")[0].GetProperty("leased").GetInt32();

    private static Task<Answer> ReserveAsync(HttpClient http, EdgeNode edge, string token, string key, CancellationToken cancellationToken)
        => SendAsync(http, HttpMethod.Post, new Uri(edge.Address, $"/v1/drops/{DropId}/reservations"), token, $$"""{"skuId":"{{Sku}}","quantity":1}""", key, cancellationToken);

    private static async Task<Answer> SendAsync(HttpClient http, HttpMethod method, Uri uri, string token, string? json, string? key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
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
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonElement? body = text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true
            ? JsonDocument.Parse(text).RootElement.Clone()
            : null;
        return new Answer(response.StatusCode, body);
    }

    private static async Task PutDropAsync(OriginNode origin, string admin, int allocation, int perViewerLimit, CancellationToken cancellationToken)
    {
        await origin.PushSkusAsync(Creator, cancellationToken, Sku);
        var now = DateTimeOffset.UtcNow;
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/admin/v1/creators/{Creator}/drops/{DropId}");
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        put.Content = new StringContent(JsonSerializer.Serialize(new
        {
            title = "Crash drop",
            startsAt = now.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            endsAt = now.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            perViewerLimit,
            allocations = new[] { new { skuId = Sku, units = allocation } },
        }), Encoding.UTF8, "application/json");
        using var response = await origin.Http.SendAsync(put, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private sealed record Answer(HttpStatusCode Status, JsonElement? Body);
}
