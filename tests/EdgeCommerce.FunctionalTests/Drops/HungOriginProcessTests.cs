using System.Diagnostics;
using System.Globalization;
using System.Net;
using EdgeCommerce.Hosting.Processes;
using EdgeCommerce.Tests.Common;
using EdgeCommerce.Tests.Common.Drops;

namespace EdgeCommerce.FunctionalTests.Drops;

/// <summary>
/// A hung origin over real processes: the origin is frozen with SIGSTOP (alive, its sockets open,
/// answering nothing) with a drop open and no lease for one SKU on the edge, then thawed with SIGCONT.
/// </summary>
public sealed class HungOriginProcessTests
{
    private const string Creator = "hung-creator";
    private const string DropId = "hung-drop";
    private const string HeldSku = "held-tee";
    private const string ColdSku = "cold-tee";
    private const int Attempts = 1000;
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// Catches viewers queued behind one another's timeouts (the issue: the 20th answered after
    /// 52 s), a dishonest reason, a held lease that stops serving, a confirmation lost or doubled
    /// across the freeze, and a slow recovery. The contract is every answer within the call timeout
    /// + 0.5 s; the assertion allows the call timeout + 2 s because this machine's two cores are
    /// shared by other builds and test runs, and 1,000 requests through one edge on them take
    /// their own time. Queued waiters (the old code) would take 1,000 timeouts, so the margin
    /// cannot hide that. The measured distribution goes to perf/RESULTS.md (perf: <c>hung</c>).
    /// </summary>
    [Fact]
    public async Task Reserve_OriginFrozenThenThawed_AnswersEveryoneAtOnceHonestlyAndRecovers()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var stack = await DropProcesses.StartAsync(data, ["edge-hung"], cancellationToken, ["--Sync:HeartbeatInterval=00:00:00.500"],
            [$"--Origin:CallTimeout={s_callTimeout}", "--Origin:BreakDuration=00:00:00.500", "--Sync:IdleTimeout=00:00:02",
            "--Drops:LeaseUnits=4", "--Drops:Admission:Enabled=false", "--RateLimits:ViewerBurst=100000", "--RateLimits:ViewerPerSecond=100000"]);
        var (origin, edge) = (stack.Origin, stack.Edge);
        var frozen = false;
        try
        {
            var admin = await origin.MintOpsTokenAsync(cancellationToken);
            await PutDropAsync(origin, admin, cancellationToken);
            var viewers = await Task.WhenAll(Enumerable.Range(0, 20).Select(v => origin.MintTokenAsync($"viewer-{v:D2}", Creator, ["drop:reserve"], "edge", cancellationToken)));
            await edge.WaitForDropAsync(DropId, cancellationToken);
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Attempts, PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
            var held = await http.ReserveAsync(edge, DropId, viewers[0], HeldSku, 1, null, CancellationToken.None);
            Assert.Equal(HttpStatusCode.Created, held.Status);
            var heldId = held.Body.GetProperty("reservationId").GetString()!;

            // Act 1: freeze the origin; 1,000 reservations of the SKU the edge holds no lease for.
            Assert.True(PosixSignals.Send(origin.ProcessId, PosixSignals.SigStop));
            frozen = true;
            var answers = await Task.WhenAll(Enumerable.Range(0, Attempts).Select(i => http.ReserveAsync(edge, DropId, viewers[1 + (i % 19)], ColdSku, 1, null, CancellationToken.None)));
            var fromLease = await http.ReserveAsync(edge, DropId, viewers[1], HeldSku, 1, null, CancellationToken.None);
            var confirmWhileFrozen = await http.SendAsync(HttpMethod.Post, new Uri(edge.Address, $"/v1/reservations/{heldId}/confirm"), viewers[0], CancellationToken.None);
            var linkDown = await edge.WaitForStatusAsync(static s => !s.GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(15), "the link marked down", cancellationToken);

            // Act 2: thaw it; reserve until one succeeds, then confirm the reservation held across the freeze.
            Assert.True(PosixSignals.Send(origin.ProcessId, PosixSignals.SigCont));
            frozen = false;
            var thawed = Stopwatch.StartNew();
            EdgeAnswer recovered;
            do
            {
                recovered = await http.ReserveAsync(edge, DropId, viewers[2], ColdSku, 1, null, CancellationToken.None);
                if (recovered.Status != HttpStatusCode.Created)
                {
                    await Task.Delay(50, cancellationToken);
                }
            }
            while (recovered.Status != HttpStatusCode.Created && thawed.Elapsed < TimeSpan.FromSeconds(20));

            var recoveredAfter = thawed.Elapsed;
            var confirmAfter = await http.SendAsync(HttpMethod.Post, new Uri(edge.Address, $"/v1/reservations/{heldId}/confirm"), viewers[0], CancellationToken.None);

            // Assert
            var latencies = answers.Select(static a => a.Elapsed.TotalSeconds).Order().ToArray();
            TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"while frozen: p50 {latencies[latencies.Length / 2]:F3} s, p99 {latencies[(int)(latencies.Length * 0.99)]:F3} s, p100 {latencies[^1]:F3} s; recovered {recoveredAfter.TotalSeconds:F3} s after SIGCONT"));
            Assert.All(answers, static a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status));
            Assert.All(answers, static a => Assert.Equal("The origin cannot be reached.", a.Body.GetProperty("title").GetString()));
            Assert.All(answers, static a => Assert.True(a.RetryAfter >= 1, "Retry-After must say when to come back"));
            // Bounded by the one shared call timeout, not stacked per waiter (before: p100 53 s for 20
            // viewers) nor hung until the thaw; the margin is for 1,000 answers on 2 loaded cores.
            Assert.True(latencies[^1] <= (s_callTimeout * 4).TotalSeconds, $"p100 {latencies[^1]:F3} s");
            // The answers in the messages: a 503 here has several causes the title tells apart.
            Assert.True(fromLease.Status == HttpStatusCode.Created, $"the reservation the held lease could serve answered {fromLease}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, confirmWhileFrozen.Status);
            Assert.False(linkDown.GetProperty("connected").GetBoolean());
            Assert.True(recovered.Status == HttpStatusCode.Created, $"the last reservation after the thaw answered {recovered}");
            Assert.True(recoveredAfter < TimeSpan.FromSeconds(3), $"recovered {recoveredAfter.TotalSeconds:F3} s after SIGCONT");
            Assert.Equal(HttpStatusCode.OK, confirmAfter.Status);
            Assert.Equal("confirmed", confirmAfter.Body.GetProperty("status").GetString());
            var drop = await origin.GetDropAsync(Creator, DropId, admin, cancellationToken);
            var sales = (await origin.GetSalesAsync(Creator, DropId, admin, cancellationToken)).EnumerateArray().ToList();
            var heldStock = drop.GetProperty("skus").EnumerateArray().Single(static s => s.GetProperty("skuId").GetString() == HeldSku);
            Assert.Equal(1, heldStock.GetProperty("sold").GetInt32());
            Assert.Equal(heldId, Assert.Single(sales).GetProperty("reservationId").GetString());
        }
        finally
        {
            if (frozen)
            {
                PosixSignals.Send(origin.ProcessId, PosixSignals.SigCont);
            }
        }
    }

    private static async Task PutDropAsync(OriginNode origin, string admin, CancellationToken cancellationToken)
    {
        await origin.PushSkusAsync(Creator, cancellationToken, HeldSku, ColdSku);
        // Twenty viewers send the 1,000 attempts at once: each may hold up to 53 of them in flight.
        await origin.PutDropAsync(Creator, DropId, DropAdmin.RunningDropJson("Hung drop", 100, (HeldSku, 10), (ColdSku, 50)), cancellationToken, admin);
    }
}
