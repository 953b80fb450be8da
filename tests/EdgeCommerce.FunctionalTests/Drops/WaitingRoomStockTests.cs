using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeCommerce.Tests.Common;
using EdgeCommerce.Tests.Common.Drops;

namespace EdgeCommerce.FunctionalTests.Drops;

/// <summary>
/// The waiting room over real processes (an origin and two edges on loopback, tokens minted by the
/// origin) while stock moves: admission goes on while units come back, every waiting viewer ends
/// with a purchase or "sold out", and a viewer moved off a dead edge keeps their place on another.
/// </summary>
public sealed class WaitingRoomStockTests
{
    private const string Creator = "room-creator";
    private const string DropId = "room-drop";
    private const string Sku = "hoodie-l";
    private const int Units = 65;
    private const int Viewers = 300;

    // Passes keep their default 2 minutes: a pass that outlived its use would hold its place past the deadline.
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(75);

    private enum Outcome
    {
        Bought,
        SoldOut,
        /// <summary>Released the reservation, or let it expire, and went away.</summary>
        Left,
        StillWaiting,
        Failed,
    }

    /// <summary>
    /// 300 viewers on two edges for 65 units, one per viewer, at most 40 shopping at once per edge:
    /// every viewer joins, polls its ticket, reserves when admitted; one in four releases the unit at
    /// once and one in four lets the reservation expire (3 s), the others buy. So 130 reservations
    /// are needed to sell 65 units, more than the 80 viewers the rooms admit at first. What it would
    /// catch: passes that outlive their use (viewers who bought keep their places for 2 minutes and
    /// nobody else is admitted while returned units wait for buyers: viewers still "waiting" at the
    /// deadline), a capacity that shrinks with sales but does not grow with units coming back, a
    /// room that never tells its waiting viewers "sold out", and any oversell (more sales than units,
    /// a viewer buying twice, a sale nobody saw confirmed).
    /// </summary>
    [Fact]
    public async Task Queue_300ViewersFor65Units_AdmitsUntilSoldOutAndEveryViewerEndsBoughtOrSoldOut()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var stack = await DropProcesses.StartAsync(data, ["edge-room-1", "edge-room-2"], cancellationToken,
            originSettings: ["--Drops:LeaseDuration=00:00:15", "--Sync:HeartbeatInterval=00:00:00.500"],
            edgeSettings: await EdgeSettingsAsync(data, "--Drops:Admission:MaxAdmitted=40"));
        var (origin, edges) = (stack.Origin, stack.Edges);
        await stack.PublishDropAsync(Creator, DropId, DropJson(perViewerLimit: 1), [Sku], cancellationToken);
        var tokens = new string[Viewers];
        foreach (var batch in Enumerable.Range(0, Viewers).Chunk(25))
        {
            await Task.WhenAll(batch.Select(async i => tokens[i] = await origin.MintTokenAsync($"viewer-{i:D3}", Creator, ["drop:reserve"], "edge", cancellationToken)));
        }

        var log = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();

        // Act
        var outcomes = await Task.WhenAll(Enumerable.Range(0, Viewers).Select(i =>
            RunViewerAsync(edges[i % 2], tokens[i], i, clock, log, cancellationToken)));
        var elapsed = clock.Elapsed;
        var drop = await origin.GetAdminAsync($"/admin/v1/creators/{Creator}/drops/{DropId}", origin.AdminToken, cancellationToken);
        var sales = (await origin.GetAdminAsync($"/admin/v1/creators/{Creator}/drops/{DropId}/sales", origin.AdminToken, cancellationToken))
            .GetProperty("sales").EnumerateArray()
            .Select(static s => (Viewer: s.GetProperty("viewer").GetString()!, Quantity: s.GetProperty("quantity").GetInt32()))
            .ToList();

        // Assert
        var summary = string.Join(", ", outcomes.GroupBy(static o => o.Outcome).Select(static g => $"{g.Key} {g.Count()}"))
            + $"; queued then reserved {outcomes.Count(static o => o.QueuedThenReserved)}; {elapsed.TotalSeconds:F1} s\n"
            + string.Join("\n", log.Take(20));
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        Assert.DoesNotContain(outcomes, static o => o.Outcome is Outcome.StillWaiting or Outcome.Failed);
        Assert.Equal(Units, outcomes.Count(static o => o.Outcome == Outcome.Bought));
        Assert.Equal(Units, drop.GetProperty("skus")[0].GetProperty("sold").GetInt32());
        Assert.Equal(Units, sales.Sum(static s => s.Quantity));
        Assert.All(sales.GroupBy(static s => s.Viewer), static g => Assert.Equal(1, g.Sum(static s => s.Quantity)));
        // Admission went on after the first wave: units the first admitted viewers gave back were
        // bought by viewers who had waited. (How many waited first depends on how fast the joins
        // arrive on a loaded machine: late joiners may find room at once.)
        Assert.True(outcomes.Any(static o => o.QueuedThenReserved && o.Outcome == Outcome.Bought), summary);
        Assert.Contains(outcomes, static o => o.Outcome == Outcome.SoldOut);
    }

    /// <summary>
    /// Viewers wait on one edge; it is killed; they show their tickets to the other edge, which
    /// honours them at the places their join times give them: ahead of a viewer who joined the
    /// other edge after them. What it would catch: tickets that check only on the edge that issued
    /// them (404 there: the viewer starts again at the back), or a moved ticket queued by the time it
    /// reached the new edge rather than the time it joined.
    /// </summary>
    [Fact]
    public async Task QueueTicket_EdgeKilled_AnotherEdgeHonoursItAtItsPlace()
    {
        // Arrange: one viewer at a time shops on each edge.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var stack = await DropProcesses.StartAsync(data, ["edge-room-dying", "edge-room-survivor"], cancellationToken,
            edgeSettings: await EdgeSettingsAsync(data, "--Drops:Admission:MaxAdmitted=1"));
        var (origin, dying, survivor) = (stack.Origin, stack.Edges[0], stack.Edges[1]);
        await stack.PublishDropAsync(Creator, DropId, DropJson(perViewerLimit: 1), [Sku], cancellationToken);
        var names = new[] { "v1", "v2", "v3", "w1", "w2" };
        var tokens = new Dictionary<string, string>();
        foreach (var name in names)
        {
            tokens[name] = await origin.MintTokenAsync(name, Creator, ["drop:reserve"], "edge", cancellationToken);
        }

        var tickets = new Dictionary<string, JsonElement>();
        foreach (var name in names)
        {
            // Apart in time, so every join has its own millisecond.
            await Task.Delay(20, cancellationToken);
            tickets[name] = (await (name[0] == 'v' ? dying : survivor).SendAsync(HttpMethod.Post, $"/v1/drops/{DropId}/queue", tokens[name], cancellationToken)).Body;
        }

        // Act
        await dying.KillAsync();
        var v2 = await survivor.SendAsync(HttpMethod.Get, tickets["v2"].GetProperty("statusUrl").GetString()!, tokens["v2"], cancellationToken);
        var v3 = await survivor.ReserveAsync(DropId, tokens["v3"], Sku, 1, "k-v3", cancellationToken, tickets["v3"].GetProperty("ticket").GetString());
        var w2 = await survivor.SendAsync(HttpMethod.Get, tickets["w2"].GetProperty("statusUrl").GetString()!, tokens["w2"], cancellationToken);
        var v2Again = await survivor.SendAsync(HttpMethod.Get, tickets["v2"].GetProperty("statusUrl").GetString()!, tokens["v2"], cancellationToken);

        // Assert
        Assert.Equal(["admitted", "waiting", "waiting", "admitted", "waiting"], names.Select(n => tickets[n].GetProperty("state").GetString()));
        Assert.Equal((HttpStatusCode.OK, "waiting", 1), (v2.Status, v2.Body.GetProperty("state").GetString(), v2.Body.GetProperty("position").GetInt32()));
        Assert.Equal(tickets["v2"].GetProperty("ticket").GetString(), v2.Body.GetProperty("ticket").GetString());
        Assert.Equal((HttpStatusCode.Accepted, 2), (v3.Status, v3.Body.GetProperty("position").GetInt32()));
        Assert.Equal((HttpStatusCode.OK, 3), (w2.Status, w2.Body.GetProperty("position").GetInt32()));
        Assert.Equal((HttpStatusCode.OK, 1), (v2Again.Status, v2Again.Body.GetProperty("position").GetInt32()));
    }

    private static async Task<Result> RunViewerAsync(EdgeNode edge, string token, int index, Stopwatch clock, ConcurrentQueue<string> log, CancellationToken cancellationToken)
    {
        string? ticket = null;
        string? statusUrl = null;
        var queued = false;
        var attempt = 0;
        while (clock.Elapsed < s_deadline)
        {
            if (statusUrl is not null)
            {
                var status = await edge.SendAsync(HttpMethod.Get, statusUrl, token, cancellationToken);
                switch (status.Status == HttpStatusCode.OK ? status.Body.GetProperty("state").GetString() : null)
                {
                    case "waiting":
                        await Task.Delay(500, cancellationToken);
                        continue;
                    case "soldOut":
                        return new Result(Outcome.SoldOut, queued);
                    case "admitted":
                        break;
                    case "expired":
                        (ticket, statusUrl) = (null, null);
                        break;
                    default:
                        log.Enqueue($"viewer {index}: status {(int)status.Status} {status.Body}");
                        return new Result(Outcome.Failed, queued);
                }
            }

            var reserved = await edge.ReserveAsync(DropId, token, Sku, 1, $"viewer-{index}-{attempt}", cancellationToken, ticket);
            switch (reserved.Status)
            {
                case HttpStatusCode.Created:
                    return new Result(await ActAsync(edge, token, index, reserved.Body.GetProperty("reservationId").GetString()!, clock, log, cancellationToken), queued, QueuedThenReserved: queued);
                case HttpStatusCode.Accepted:
                    queued = true;
                    (ticket, statusUrl) = (reserved.Body.GetProperty("ticket").GetString(), reserved.Body.GetProperty("statusUrl").GetString());
                    await Task.Delay(500, cancellationToken);
                    break;
                case HttpStatusCode.Conflict when reserved.Body.TryGetProperty("soldOut", out var soldOut) && soldOut.GetBoolean():
                    return new Result(Outcome.SoldOut, queued);
                case HttpStatusCode.ServiceUnavailable:
                    // Admitted, but every unit is held right now: try again, as the shop page does.
                    attempt++;
                    await Task.Delay(500, cancellationToken);
                    break;
                default:
                    log.Enqueue($"viewer {index}: reserve {(int)reserved.Status} {reserved.Body}");
                    return new Result(Outcome.Failed, queued);
            }
        }

        return new Result(Outcome.StillWaiting, queued);
    }

    /// <summary>One in four releases at once, one in four lets the reservation expire, the others buy.</summary>
    private static async Task<Outcome> ActAsync(EdgeNode edge, string token, int index, string reservationId, Stopwatch clock, ConcurrentQueue<string> log, CancellationToken cancellationToken)
    {
        switch (index % 4)
        {
            case 1:
                var released = await edge.SendAsync(HttpMethod.Delete, $"/v1/reservations/{reservationId}", token, cancellationToken);
                return released.Status == HttpStatusCode.NoContent ? Outcome.Left : Outcome.Failed;
            case 3:
                return Outcome.Left;
        }

        while (clock.Elapsed < s_deadline)
        {
            var confirmed = await edge.SendAsync(HttpMethod.Post, $"/v1/reservations/{reservationId}/confirm", token, cancellationToken);
            if (confirmed.Status == HttpStatusCode.OK)
            {
                return Outcome.Bought;
            }

            if (confirmed.Status != HttpStatusCode.ServiceUnavailable)
            {
                log.Enqueue($"viewer {index}: confirm {(int)confirmed.Status} {confirmed.Body}");
                return Outcome.Failed;
            }

            await Task.Delay(200, cancellationToken);
        }

        return Outcome.Failed;
    }

    /// <summary>Short reservations and a fast sweep; rate limits out of the way; one ticket key for every edge.</summary>
    private static async Task<string[]> EdgeSettingsAsync(TempDirectory data, string room)
    {
        var keyPath = data.Combine("queue-ticket.key");
        if (!File.Exists(keyPath))
        {
            await File.WriteAllTextAsync(keyPath, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        return
        [
            "--Drops:ReservationTtl=00:00:03", "--Drops:ClockSkewMargin=00:00:01", "--Drops:SweepInterval=00:00:00.200",
            "--RateLimits:ViewerBurst=100000", "--RateLimits:ViewerPerSecond=100000",
            $"--Drops:Admission:TicketKeyPath={keyPath}", room,
        ];
    }

    private static string DropJson(int perViewerLimit) => DropAdmin.RunningDropJson("Room drop", perViewerLimit, (Sku, Units));

    private readonly record struct Result(Outcome Outcome, bool Queued, bool QueuedThenReserved = false);
}
