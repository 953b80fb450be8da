using System.Security.Cryptography;
using EdgeCommerce.Edge.Drops.Admission;
using EdgeCommerce.Tests.Common;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Edge.Tests.Drops.Admission;

/// <summary>
/// The waiting room's state machine on a fake clock: the start's shuffle (a permutation that is
/// not the arrival order, and every order equally likely), positions that only go down, estimates
/// from the observed admission rate, capacity and rate, passes that expire, viewers who left,
/// a full room, and many viewers joining at once.
/// </summary>
public sealed class WaitingRoomTests : IDisposable
{
    private static readonly DateTimeOffset s_startsAt = new(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(s_startsAt.AddMinutes(-5));
    private readonly TestMeterFactory _meters = new();
    private readonly AdmissionMetrics _metrics;

    public WaitingRoomTests() => _metrics = new AdmissionMetrics(_meters);

    [Fact]
    public void Start_ArrivalsBeforeIt_AdmittedInACsprngShuffledOrderNotTheArrivalOrder()
    {
        // Arrange: 200 viewers arrive one second apart before the start; one pass per second after it.
        var room = Room(new AdmissionOptions { AdmissionBurst = 1, AdmissionsPerSecond = 1, AbandonAfter = TimeSpan.FromHours(1) }, RandomNumberGenerator.GetInt32);
        var arrivals = Enumerable.Range(0, 200).Select(i => $"viewer-{i:D3}").ToList();
        var beforeStart = new List<TicketStatus>();
        foreach (var viewer in arrivals)
        {
            beforeStart.Add(room.Join(viewer, _time.GetUtcNow(), Conditions(capacity: 1000))!.Value.Status);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // Act: at the start, one is admitted (the bucket's one token); everyone else gets a place.
        _time.SetUtcNow(s_startsAt);
        var order = AdmissionOrder(room, arrivals);

        // Assert
        Assert.All(beforeStart, static s => Assert.Equal((TicketState.Waiting, (long?)null, (int?)null), (s.State, s.Position, s.EstimatedWaitSeconds)));
        Assert.Equal(arrivals.Order(StringComparer.Ordinal), order.Order(StringComparer.Ordinal));
        Assert.NotEqual(arrivals, order);
        // The first to arrive is not the first admitted, except by a 1-in-200 chance; nor are the first ten the first ten.
        Assert.NotEqual(arrivals.Take(10), order.Take(10));
    }

    /// <summary>
    /// 24,000 rooms of four early viewers with a seeded generator: each of the 24 orders comes up
    /// about 1,000 times. What it would catch: a biased shuffle (e.g. swapping with any index rather
    /// than one not yet placed, which makes some orders 40% more likely), or none at all.
    /// </summary>
    [Fact]
    public void Start_FourEarlyViewersManyTimes_EveryOrderEquallyLikely()
    {
        // Arrange
        var random = new Random(20261201);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] viewers = ["a", "b", "c", "d"];

        // Act
        for (var trial = 0; trial < 24_000; trial++)
        {
            var room = new WaitingRoom("d1", new AdmissionOptions { AdmissionBurst = 1 }, random.Next, _metrics, NullLogger.Instance, s_startsAt.AddSeconds(-10));
            foreach (var viewer in viewers)
            {
                room.Join(viewer, s_startsAt.AddSeconds(-10), Conditions(capacity: 10));
            }

            var order = string.Concat(viewers.OrderBy(v => room.FindViewer(v, s_startsAt, Conditions(capacity: 10))!.Value.Position ?? 0));
            counts[order] = counts.GetValueOrDefault(order) + 1;
        }

        // Assert: 24 orders, each within 15% of 1,000 (a fair shuffle's spread is about ±3%).
        Assert.Equal(24, counts.Count);
        Assert.All(counts, static pair => Assert.InRange(pair.Value, 850, 1150));
    }

    [Fact]
    public void Queue_AfterTheStart_PositionOnlyGoesDownUntilAdmitted()
    {
        // Arrange: 30 viewers join after the start; 2 passes per second, 1 at once.
        _time.SetUtcNow(s_startsAt.AddSeconds(1));
        var room = Room(new AdmissionOptions { AdmissionBurst = 1, AdmissionsPerSecond = 2 });
        var first = room.Join("viewer-00", _time.GetUtcNow(), Conditions(capacity: 1000))!.Value;
        for (var i = 1; i < 30; i++)
        {
            room.Join($"viewer-{i:D2}", _time.GetUtcNow(), Conditions(capacity: 1000));
        }

        // Act: the last viewer polls every half second.
        var positions = new List<long>();
        var estimates = new List<int>();
        TicketStatus status;
        while ((status = room.FindViewer("viewer-29", _time.GetUtcNow(), Conditions(capacity: 1000))!.Value).State == TicketState.Waiting)
        {
            positions.Add(status.Position!.Value);
            estimates.Add(status.EstimatedWaitSeconds!.Value);
            _time.Advance(TimeSpan.FromMilliseconds(500));
        }

        // Assert: the first had the free pass; the last started 29th in line and moved one place per half second.
        Assert.Equal((TicketState.Admitted, true), (first.Status.State, first.Created));
        Assert.Equal(29, positions[0]);
        Assert.Equal(15, estimates[0]); // 29 places at the configured 2 per second, before any admission was observed in the window
        Assert.Equal(positions.OrderDescending(), positions);
        Assert.Equal(1, positions[^1]);
        Assert.All(estimates, static e => Assert.True(e >= 1));
        Assert.Equal(TicketState.Admitted, status.State);
    }

    [Fact]
    public void Estimate_CapacityBoundRoom_FollowsTheObservedRateNotTheConfiguredOne()
    {
        // Arrange: 10 passes per second allowed, but one viewer at a time for 2 s: 0.5 admissions per second really.
        _time.SetUtcNow(s_startsAt);
        var options = new AdmissionOptions { AdmissionsPerSecond = 10, AdmissionBurst = 10, PassDuration = TimeSpan.FromSeconds(2), AbandonAfter = TimeSpan.FromHours(1) };
        var room = Room(options);
        for (var i = 0; i < 20; i++)
        {
            room.Join($"viewer-{i:D2}", _time.GetUtcNow(), Conditions(capacity: 1));
        }

        // Act: ten seconds of steady admissions (t = 2, 4, ..., 10 in the window).
        for (var second = 1; second <= 10; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            room.Tick(_time.GetUtcNow(), Conditions(capacity: 1));
        }

        var status = room.FindViewer("viewer-10", _time.GetUtcNow(), Conditions(capacity: 1))!.Value;

        // Assert: viewer-05 was admitted at t=10; viewer-10 is fifth in line: 5 places / 0.5 per second.
        Assert.Equal(5, status.Position);
        Assert.Equal(10, status.EstimatedWaitSeconds);
    }

    [Fact]
    public void Pass_AtItsEnd_ExpiresAndFreesItsPlaceForTheNextViewer()
    {
        // Arrange
        _time.SetUtcNow(s_startsAt);
        var room = Room(new AdmissionOptions { PassDuration = TimeSpan.FromSeconds(30) });
        var first = room.Join("a", _time.GetUtcNow(), Conditions(capacity: 1))!.Value.Status;
        var second = room.Join("b", _time.GetUtcNow(), Conditions(capacity: 1))!.Value.Status;

        // Act
        _time.Advance(TimeSpan.FromSeconds(29));
        var firstJustBefore = room.Find(first.Ticket.Id, _time.GetUtcNow(), Conditions(capacity: 1));
        var secondJustBefore = room.Find(second.Ticket.Id, _time.GetUtcNow(), Conditions(capacity: 1));
        _time.Advance(TimeSpan.FromSeconds(1));
        var firstAtEnd = room.Find(first.Ticket.Id, _time.GetUtcNow(), Conditions(capacity: 1));
        var secondAtEnd = room.Find(second.Ticket.Id, _time.GetUtcNow(), Conditions(capacity: 1));
        var firstAgain = room.Join("a", _time.GetUtcNow(), Conditions(capacity: 1))!.Value;

        // Assert
        Assert.Equal((TicketState.Admitted, s_startsAt.AddSeconds(30)), (first.State, first.AdmittedUntil!.Value));
        Assert.Equal((TicketState.Admitted, TicketState.Waiting, 1L), (firstJustBefore!.Value.State, secondJustBefore!.Value.State, secondJustBefore.Value.Position!.Value));
        Assert.Null(firstAtEnd);
        Assert.Equal((TicketState.Admitted, s_startsAt.AddSeconds(60)), (secondAtEnd!.Value.State, secondAtEnd.Value.AdmittedUntil!.Value));
        // Back after the pass ended: a new ticket, at the back of the line.
        Assert.True(firstAgain.Created);
        Assert.NotEqual(first.Ticket.Id, firstAgain.Status.Ticket.Id);
        Assert.Equal((TicketState.Waiting, 1L), (firstAgain.Status.State, firstAgain.Status.Position!.Value));
    }

    [Fact]
    public void Turn_OfAViewerWhoStoppedPolling_SkippedAndTheNextOneAdmitted()
    {
        // Arrange
        _time.SetUtcNow(s_startsAt);
        var room = Room(new AdmissionOptions { PassDuration = TimeSpan.FromMinutes(5), AbandonAfter = TimeSpan.FromSeconds(30) });
        room.Join("holder", _time.GetUtcNow(), Conditions(capacity: 1));
        room.Join("gone", _time.GetUtcNow(), Conditions(capacity: 1));
        room.Join("here", _time.GetUtcNow(), Conditions(capacity: 1));

        // Act: "here" polls every 10 s for five minutes; "gone" never polls again.
        for (var i = 0; i < 30; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            room.FindViewer("here", _time.GetUtcNow(), Conditions(capacity: 1));
        }

        // Assert: the holder's pass ended at 5 minutes; "here" got the place, "gone" was let go.
        Assert.Equal(TicketState.Admitted, room.FindViewer("here", _time.GetUtcNow(), Conditions(capacity: 1))!.Value.State);
        Assert.Null(room.FindViewer("gone", _time.GetUtcNow(), Conditions(capacity: 1)));
    }

    [Fact]
    public void Join_RoomFull_RefusedWhileTheSameViewerStillGetsTheirTicket()
    {
        // Arrange
        var room = Room(new AdmissionOptions { MaxTickets = 2 });
        var a = room.Join("a", _time.GetUtcNow(), Conditions(capacity: 10))!.Value.Status;
        room.Join("b", _time.GetUtcNow(), Conditions(capacity: 10));

        // Act
        var c = room.Join("c", _time.GetUtcNow(), Conditions(capacity: 10));
        var aAgain = room.Join("a", _time.GetUtcNow(), Conditions(capacity: 10))!.Value;

        // Assert
        Assert.Null(c);
        Assert.Equal((a.Ticket.Id, false), (aAgain.Status.Ticket.Id, aAgain.Created));
    }

    /// <summary>
    /// 2,000 viewers each join four times at once from the thread pool, after the start, with a
    /// capacity of 50 and a bucket that would allow all of them. What it would catch: two joins of
    /// one viewer both missing the other's ticket (two places, two passes), or a capacity check
    /// racing the admission (more than 50 passes at once).
    /// </summary>
    [Fact]
    public async Task Join_ManyViewersInParallel_OneTicketEachAndNeverMorePassesThanCapacity()
    {
        // Arrange
        _time.SetUtcNow(s_startsAt);
        var room = Room(new AdmissionOptions { AdmissionBurst = 100_000, AdmissionsPerSecond = 100_000, PassDuration = TimeSpan.FromSeconds(10), AbandonAfter = TimeSpan.FromHours(1) });
        using var admissions = new MetricCollector<long>(_meters, AdmissionMetrics.MeterName, AdmissionMetrics.AdmissionsName);
        var viewers = Enumerable.Range(0, 2000).Select(static i => $"viewer-{i:D4}").ToArray();

        // Act
        var joins = await Task.WhenAll(viewers.SelectMany(static v => Enumerable.Repeat(v, 4)).Select(v => Task.Run(
            () => (Viewer: v, Result: room.Join(v, s_startsAt, Conditions(capacity: 50))!.Value), TestContext.Current.CancellationToken)));
        var admittedFirst = viewers.Where(v => room.FindViewer(v, s_startsAt, Conditions(capacity: 50))!.Value.State == TicketState.Admitted).ToHashSet();
        _time.Advance(TimeSpan.FromSeconds(10));
        var admittedSecond = viewers.Where(v => room.FindViewer(v, _time.GetUtcNow(), Conditions(capacity: 50)) is { State: TicketState.Admitted }).ToHashSet();

        // Assert
        Assert.All(joins.GroupBy(static j => j.Viewer), static g => Assert.Single(g.Select(static j => j.Result.Status.Ticket.Id).Distinct()));
        Assert.Equal(2000, joins.Count(static j => j.Result.Created));
        Assert.Equal(50, admittedFirst.Count);
        Assert.Equal(50, admittedSecond.Count);
        Assert.Empty(admittedFirst.Intersect(admittedSecond));
        Assert.Equal(100, admissions.GetMeasurementSnapshot().Sum(static m => m.Value));
        Assert.Equal(50, room.Admitted);
        Assert.Equal(1900, room.Waiting);
    }

    [Fact]
    public void Used_AdmittedViewersReachTheirLimit_TheNextInLineAreAdmittedWithoutWaitingForPassesToRunOut()
    {
        // Arrange: two places, five viewers after the start; passes would last 2 minutes.
        _time.SetUtcNow(s_startsAt);
        var room = Room(new AdmissionOptions { AbandonAfter = TimeSpan.FromHours(1) });
        var viewers = new[] { "a", "b", "c", "d", "e" };
        var first = viewers.ToDictionary(static v => v, v => room.Join(v, _time.GetUtcNow(), Conditions(capacity: 2))!.Value.Status);

        // Act: "a" reaches the limit; "e", still waiting, is said to have used nothing (left as is).
        room.Used("a", _time.GetUtcNow(), Conditions(capacity: 2));
        room.Used("e", _time.GetUtcNow(), Conditions(capacity: 2));
        var afterA = viewers.ToDictionary(static v => v, v => room.FindViewer(v, _time.GetUtcNow(), Conditions(capacity: 2)));
        room.Used("b", _time.GetUtcNow(), Conditions(capacity: 2));
        var again = room.Join("a", _time.GetUtcNow(), Conditions(capacity: 2))!.Value;

        // Assert
        Assert.Equal([TicketState.Admitted, TicketState.Admitted, TicketState.Waiting, TicketState.Waiting, TicketState.Waiting], viewers.Select(v => first[v].State));
        Assert.Null(afterA["a"]);
        Assert.Null(room.Find(first["a"].Ticket.Id, _time.GetUtcNow(), Conditions(capacity: 2)));
        Assert.Equal([TicketState.Admitted, TicketState.Admitted, TicketState.Waiting, TicketState.Waiting], new[] { "b", "c", "d", "e" }.Select(v => afterA[v]!.Value.State));
        Assert.Equal((1L, 2L), (afterA["d"]!.Value.Position, afterA["e"]!.Value.Position));
        Assert.Equal(TicketState.Admitted, room.FindViewer("d", _time.GetUtcNow(), Conditions(capacity: 2))!.Value.State);
        Assert.Equal((true, TicketState.Waiting, 2L), (again.Created, again.Status.State, again.Status.Position));
        Assert.Equal(2, room.Admitted);
    }

    /// <summary>
    /// 500 viewers, 50 places: in each round every admitted viewer uses their pass while everyone
    /// else polls, all at once from the thread pool; the clock never moves, so only used passes
    /// admit anyone. What it would catch: a used pass counted free twice or never (more than 50
    /// passes at once, or viewers left waiting with places free), or an admission lost to a race
    /// between using a pass and admitting the next viewer.
    /// </summary>
    [Fact]
    public async Task Used_InParallelWithPolls_EveryViewerAdmittedOnceInTenRoundsAndNeverMoreThanCapacity()
    {
        // Arrange
        _time.SetUtcNow(s_startsAt);
        var room = Room(new AdmissionOptions { AdmissionBurst = 100_000, AdmissionsPerSecond = 100_000, AbandonAfter = TimeSpan.FromHours(1) });
        using var admissions = new MetricCollector<long>(_meters, AdmissionMetrics.MeterName, AdmissionMetrics.AdmissionsName);
        var viewers = Enumerable.Range(0, 500).Select(static i => $"viewer-{i:D3}").ToArray();
        await Task.WhenAll(viewers.Select(v => Task.Run(() => room.Join(v, s_startsAt, Conditions(capacity: 50)), TestContext.Current.CancellationToken)));
        var used = new System.Collections.Concurrent.ConcurrentBag<string>();
        var passesAfterRound = new List<int>();

        // Act
        for (var round = 0; round < 10; round++)
        {
            var holders = viewers.Where(v => room.FindViewer(v, s_startsAt, Conditions(capacity: 50)) is { State: TicketState.Admitted }).ToHashSet();
            await Task.WhenAll(viewers.Select(v => Task.Run(() =>
            {
                if (holders.Contains(v))
                {
                    room.Used(v, s_startsAt, Conditions(capacity: 50));
                    used.Add(v);
                }
                else
                {
                    room.FindViewer(v, s_startsAt, Conditions(capacity: 50));
                }
            }, TestContext.Current.CancellationToken)));
            passesAfterRound.Add(room.Admitted);
        }

        // Assert
        Assert.Equal(viewers, used.Order(StringComparer.Ordinal));
        Assert.Equal([.. Enumerable.Repeat(50, 9), 0], passesAfterRound);
        Assert.Equal(500, admissions.GetMeasurementSnapshot().Sum(static m => m.Value));
        Assert.Equal(0, room.Waiting);
    }

    [Fact]
    public void Join_MovedTicket_StandsAheadOfThoseWhoJoinedAfterItAndIsHonouredOnce()
    {
        // Arrange: nobody admitted (no place), three viewers join here 5, 10 and 15 s after the start.
        var room = Room(new AdmissionOptions { AbandonAfter = TimeSpan.FromHours(1) });
        foreach (var (viewer, second) in new[] { ("x", 5), ("y", 10), ("z", 15) })
        {
            _time.SetUtcNow(s_startsAt.AddSeconds(second));
            room.Join(viewer, _time.GetUtcNow(), Conditions(capacity: 0));
        }

        var movedId = Guid.NewGuid();

        // Act: a viewer joined another edge 7 s after the start; it died, and the viewer shows the ticket here.
        _time.SetUtcNow(s_startsAt.AddSeconds(20));
        var moved = room.Join("m", _time.GetUtcNow(), Conditions(capacity: 0), new MovedTicket(movedId, s_startsAt.AddSeconds(7)))!.Value;
        var positions = new[] { "x", "m", "y", "z" }.Select(v => room.FindViewer(v, _time.GetUtcNow(), Conditions(capacity: 0))!.Value.Position).ToArray();
        // From a clock ahead of this one: not ahead of anyone who joined here.
        var ahead = room.Join("f", _time.GetUtcNow(), Conditions(capacity: 0), new MovedTicket(Guid.NewGuid(), s_startsAt.AddMinutes(10)))!.Value;
        // Admitted in place order, then "m" uses the pass; its ticket shown again is not honoured a second time.
        room.Tick(_time.GetUtcNow(), Conditions(capacity: 2));
        var admitted = new[] { "x", "m", "y" }.Select(v => room.FindViewer(v, _time.GetUtcNow(), Conditions(capacity: 2))!.Value.State).ToArray();
        room.Used("m", _time.GetUtcNow(), Conditions(capacity: 2));
        var honouredBefore = room.Honoured(movedId);
        var shownAgain = room.Join("m", _time.GetUtcNow(), Conditions(capacity: 2), new MovedTicket(movedId, s_startsAt.AddSeconds(7)))!.Value;

        // Assert
        Assert.Equal((movedId, true, TicketState.Waiting, 2L), (moved.Status.Ticket.Id, moved.Created, moved.Status.State, moved.Status.Position));
        Assert.Equal([1L, 2L, 3L, 4L], positions);
        Assert.Equal(5L, ahead.Status.Position);
        Assert.Equal([TicketState.Admitted, TicketState.Admitted, TicketState.Waiting], admitted);
        Assert.True(honouredBefore);
        // At the back, behind "z" and "f" ("y" took the place "m" freed).
        Assert.NotEqual(movedId, shownAgain.Status.Ticket.Id);
        Assert.Equal((TicketState.Waiting, 3L), (shownAgain.Status.State, shownAgain.Status.Position));
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _meters.Dispose();
    }

    private WaitingRoom Room(AdmissionOptions options, Func<int, int>? random = null)
        => new("d1", options, random ?? new Random(1).Next, _metrics, NullLogger.Instance, _time.GetUtcNow());

    private static RoomConditions Conditions(int capacity) => new(s_startsAt, capacity);

    /// <summary>The admitted viewer first, then the others by their place in line.</summary>
    private List<string> AdmissionOrder(WaitingRoom room, IEnumerable<string> viewers)
        => [.. viewers
            .Select(v => (Viewer: v, Status: room.FindViewer(v, _time.GetUtcNow(), Conditions(capacity: 1000))!.Value))
            .OrderBy(static s => s.Status.State == TicketState.Admitted ? 0 : s.Status.Position!.Value)
            .Select(static s => s.Viewer)];
}
