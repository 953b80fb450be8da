using System.Collections.Frozen;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Drops;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>
/// Issue 15 §2 on a fake clock: a restarted edge process gives back what the dead one held and
/// answers a sale it forgot; a confirm whose answer was lost is settled with the origin before
/// the reservation could expire; a viewer who leaves while the edge waits for a lease keeps no
/// per-viewer count; a drop that is over leaves nothing behind.
/// </summary>
public sealed class DropRecoveryTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 19, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan s_lease = TimeSpan.FromMinutes(10);

    private readonly FakeTimeProvider _time = new(s_now);
    private readonly ReplicaHolder _holder = new();
    private readonly InMemoryDropOrigin _origin;
    private readonly TestMeterFactory _meters = new();
    private readonly DropReservations _reservations;

    public DropRecoveryTests()
    {
        _origin = new InMemoryDropOrigin(_time, s_lease);
        _reservations = Process();
    }

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>
    /// The old process held a lease with one unit sold and two held when it died. Catches a
    /// restarted edge leaving those units locked until the lease ends (other edges told 503 for
    /// 10 minutes), and one that returns a lease of its own (it reclaims before its first lease).
    /// </summary>
    [Fact]
    public async Task ReserveAsync_FirstLeaseAfterARestart_GivesBackWhatTheDeadProcessHeldOnce()
    {
        // Arrange
        Publish(allocation: 40, limit: 4);
        var sold = await _reservations.ReserveAsync(Viewer("a"), "d1", "hoodie-m", 1, null, CancellationToken);
        await _reservations.ConfirmAsync(Viewer("a"), sold.Reservation!.Id, CancellationToken);
        await _reservations.ReserveAsync(Viewer("b"), "d1", "hoodie-m", 2, null, CancellationToken);
        var leasedBeforeCrash = _origin.Leased("d1", "hoodie-m");

        // Act: a new process of the same edge (the old one's memory is gone).
        var restarted = Process();
        var first = await restarted.ReserveAsync(Viewer("c"), "d1", "hoodie-m", 1, null, CancellationToken);
        var second = await restarted.ReserveAsync(Viewer("d"), "d1", "hoodie-m", 1, null, CancellationToken);

        // Assert
        Assert.True(leasedBeforeCrash >= 2, $"the dead process held {leasedBeforeCrash} units");
        Assert.Equal((ReserveStatus.Created, ReserveStatus.Created), (first.Status, second.Status));
        Assert.Equal(2, _origin.ReclaimCalls); // once per process, before its first lease
        Assert.True(restarted.Reclaimed);
        // Only the new process's own lease is leased now: its free units plus its two reservations.
        Assert.Equal(restarted.Leases.FreeUnits("d1", "hoodie-m") + 2, _origin.Leased("d1", "hoodie-m"));
        Assert.Equal(1, _origin.Sold("d1", "hoodie-m"));
    }

    /// <summary>The known bug: an edge restarted mid-drop answered 404 to a buyer retrying the confirm of a sale the origin holds.</summary>
    [Fact]
    public async Task ConfirmAsync_SaleMadeBeforeARestart_AnswersTheSaleToItsViewerOnly()
    {
        // Arrange
        Publish(allocation: 10, limit: 2);
        var made = await _reservations.ReserveAsync(Viewer("a"), "d1", "hoodie-m", 1, "key-1", CancellationToken);
        await _reservations.ConfirmAsync(Viewer("a"), made.Reservation!.Id, CancellationToken);
        var held = await _reservations.ReserveAsync(Viewer("b"), "d1", "hoodie-m", 1, null, CancellationToken);
        var restarted = Process();

        // Act
        var retried = await restarted.ConfirmAsync(Viewer("a"), made.Reservation.Id, CancellationToken);
        var stranger = await restarted.ConfirmAsync(Viewer("b"), made.Reservation.Id, CancellationToken);
        var otherCreator = await restarted.ConfirmAsync(Viewer("a", creator: "c2"), made.Reservation.Id, CancellationToken);
        var release = await restarted.ReleaseAsync(Viewer("a"), made.Reservation.Id, CancellationToken);
        var lostHold = await restarted.ConfirmAsync(Viewer("b"), held.Reservation!.Id, CancellationToken);
        var notThisEdges = await restarted.ConfirmAsync(Viewer("a"), "edge-2." + Guid.NewGuid().ToString("N"), CancellationToken);

        // Assert
        Assert.Equal(ConfirmStatus.Confirmed, retried.Status);
        Assert.Equal((made.Reservation.Id, "hoodie-m", 1, ReservationState.Confirmed),
            (retried.Reservation!.Id, retried.Reservation.SkuId, retried.Reservation.Quantity, retried.Reservation.State));
        Assert.Equal(ConfirmStatus.NotFound, stranger.Status);
        Assert.Equal(ConfirmStatus.NotFound, otherCreator.Status);
        Assert.Equal(ConfirmStatus.Confirmed, release.Status);
        Assert.Equal(ConfirmStatus.NotFound, lostHold.Status);
        Assert.Equal(ConfirmStatus.NotFound, notThisEdges.Status);
        Assert.Equal(1, _origin.Sold("d1", "hoodie-m"));
    }

    /// <summary>
    /// The sale landed but its answer was lost, and the buyer never retries. Catches the sweep
    /// freeing the units of a sale the origin recorded (the buyer told 410, the next viewer 201 then
    /// 409): the sweep settles it with the origin, before the TTL and long before the lease ends.
    /// </summary>
    [Fact]
    public async Task SweepAsync_ConfirmAnswerLost_SettledWithTheOriginNotExpired()
    {
        // Arrange
        Publish(allocation: 10, limit: 2);
        var made = await _reservations.ReserveAsync(Viewer("a"), "d1", "hoodie-m", 1, null, CancellationToken);
        _origin.LoseConfirmAnswers = 1;
        var lost = await _reservations.ConfirmAsync(Viewer("a"), made.Reservation!.Id, CancellationToken);
        var inDoubt = made.Reservation.ConfirmInDoubt;

        // Act
        await _reservations.SweepAsync(CancellationToken);
        var afterSweep = made.Reservation.State;
        _time.Advance(s_lease);
        await _reservations.SweepAsync(CancellationToken);
        var retried = await _reservations.ConfirmAsync(Viewer("a"), made.Reservation.Id, CancellationToken);

        // Assert
        Assert.Equal(ConfirmStatus.OriginUnreachable, lost.Status);
        Assert.True(inDoubt);
        Assert.Equal(ReservationState.Confirmed, afterSweep);
        Assert.Equal(ConfirmStatus.Confirmed, retried.Status);
        Assert.Equal(1, _origin.Sold("d1", "hoodie-m"));
    }

    /// <summary>A release of a reservation whose confirm answer was lost: the viewer must not be told "released" while the origin holds their sale.</summary>
    [Fact]
    public async Task ReleaseAsync_ConfirmAnswerLost_AnswersFromTheOriginsSale()
    {
        // Arrange
        Publish(allocation: 10, limit: 2);
        var made = await _reservations.ReserveAsync(Viewer("a"), "d1", "hoodie-m", 1, null, CancellationToken);
        _origin.LoseConfirmAnswers = 1;
        await _reservations.ConfirmAsync(Viewer("a"), made.Reservation!.Id, CancellationToken);

        // Act
        var release = await _reservations.ReleaseAsync(Viewer("a"), made.Reservation.Id, CancellationToken);

        // Assert
        Assert.Equal(ConfirmStatus.Confirmed, release.Status);
        Assert.Equal(ReservationState.Confirmed, made.Reservation.State);
        Assert.Equal(1, _origin.Sold("d1", "hoodie-m"));
    }

    /// <summary>
    /// The viewer's request is cancelled while the edge waits for the origin's lease. Catches the
    /// per-viewer count staying raised (the viewer answered 429 on this edge until it restarts).
    /// </summary>
    [Fact]
    public async Task ReserveAsync_ViewerLeavesWhileTheEdgeWaitsForALease_KeepsNoPerViewerCount()
    {
        // Arrange
        Publish(allocation: 10, limit: 1);
        _origin.LeaseGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        var waiting = _reservations.ReserveAsync(Viewer("a"), "d1", "hoodie-m", 1, "key-1", leaving.Token);

        // Act
        await leaving.CancelAsync();
        var aborted = await Record.ExceptionAsync(() => waiting);
        _origin.LeaseGate.SetResult();
        _origin.LeaseGate = null;
        var again = await _reservations.ReserveAsync(Viewer("a"), "d1", "hoodie-m", 1, "key-2", CancellationToken);

        // Assert
        Assert.IsAssignableFrom<OperationCanceledException>(aborted);
        Assert.Equal(ReserveStatus.Created, again.Status);
        Assert.Equal(1, _reservations.Tracked().ViewerCounts);
    }

    /// <summary>
    /// The viewer's request is aborted by the time their units come (a lease arriving as the
    /// edge sees the client leave). Catches the abandoned reserve becoming a reservation nobody
    /// hears of: it held the units and the viewer's per-viewer count until its TTL, so their
    /// next attempt was answered 429.
    /// </summary>
    [Fact]
    public async Task ReserveAsync_RequestAbortedByTheTimeItsUnitsCome_BecomesNoReservation()
    {
        // Arrange: the pool holds a lease with free units, so the units come at once.
        Publish(allocation: 10, limit: 1);
        await _reservations.ReserveAsync(Viewer("b"), "d1", "hoodie-m", 1, "key-b", CancellationToken);
        var freeBefore = _reservations.PoolFor("d1", "hoodie-m").FreeUnits(s_now, TimeSpan.FromSeconds(5));
        using var left = new CancellationTokenSource();
        await left.CancelAsync();

        // Act
        var aborted = await Record.ExceptionAsync(() => _reservations.ReserveAsync(Viewer("a"), "d1", "hoodie-m", 1, "key-1", left.Token));
        var freeAfter = _reservations.PoolFor("d1", "hoodie-m").FreeUnits(s_now, TimeSpan.FromSeconds(5));
        var again = await _reservations.ReserveAsync(Viewer("a"), "d1", "hoodie-m", 1, "key-2", CancellationToken);

        // Assert
        Assert.IsAssignableFrom<OperationCanceledException>(aborted);
        Assert.Equal(freeBefore, freeAfter);
        Assert.Equal(ReserveStatus.Created, again.Status);
        Assert.Equal(2, _reservations.Tracked().Reservations);
    }

    /// <summary>
    /// A cancelled drop with a pool, a held and a confirmed reservation, keys, an RSVP and
    /// per-viewer counts. Catches state kept for ever (edge memory growing drop after drop), and a
    /// confirmed buyer losing their answer once it is forgotten (the origin's sale answers).
    /// </summary>
    [Fact]
    public async Task SweepAsync_DropCancelled_ForgetsEverythingButASaleStillAnswers()
    {
        // Arrange
        var drop = Publish(allocation: 10, limit: 2);
        var sold = await _reservations.ReserveAsync(Viewer("a"), "d1", "hoodie-m", 1, "key-1", CancellationToken);
        await _reservations.ConfirmAsync(Viewer("a"), sold.Reservation!.Id, CancellationToken);
        await _reservations.ReserveAsync(Viewer("b"), "d1", "hoodie-m", 2, "key-2", CancellationToken);
        await _reservations.RsvpAsync(Viewer("c"), "d1", CancellationToken);
        await _reservations.SweepAsync(CancellationToken);
        var whileOpen = _reservations.Tracked();

        // Act
        drop.Cancelled = true;
        Publish(drop);
        await _reservations.SweepAsync(CancellationToken);
        var afterCancel = _reservations.Tracked();
        var confirmedAgain = await _reservations.ConfirmAsync(Viewer("a"), sold.Reservation.Id, CancellationToken);

        // Assert
        Assert.Equal((1, 2, 2, 1, 2), whileOpen);
        Assert.Equal((0, 0, 0, 0, 0), afterCancel);
        Assert.Equal(0, _origin.Leased("d1", "hoodie-m"));
        Assert.Equal(ConfirmStatus.Confirmed, confirmedAgain.Status);
    }

    /// <summary>A drop past its end (and the grace for confirms in flight) is forgotten too; one still open is not.</summary>
    [Fact]
    public async Task SweepAsync_DropEnded_ForgottenOnlyAfterTheGrace()
    {
        // Arrange
        Publish(allocation: 10, limit: 2);
        await _reservations.ReserveAsync(Viewer("a"), "d1", "hoodie-m", 1, "key-1", CancellationToken);

        // Act
        _time.SetUtcNow(s_now.AddHours(2));
        await _reservations.SweepAsync(CancellationToken);
        var atTheEnd = _reservations.Tracked().Pools;
        _time.Advance(TimeSpan.FromMinutes(1));
        await _reservations.SweepAsync(CancellationToken);

        // Assert
        Assert.Equal(1, atTheEnd);
        Assert.Equal((0, 0, 0, 0, 0), _reservations.Tracked());
    }

    public void Dispose() => _meters.Dispose();

    private DropReservations Process()
        => new(_holder, _origin,
            Options.Create(new DropsOptions { ReservationTtl = s_ttl, ClockSkewMargin = TimeSpan.FromSeconds(5), LeaseUnits = 4 }),
            Options.Create(new EdgeOptions { Id = "edge-1", Region = "eu", PublicUrl = "http://edge" }),
            _time, new DropMetrics(_meters), NullLogger<DropReservations>.Instance);

    private static AccessToken Viewer(string subject, string creator = "c1")
        => new(subject, creator, new[] { Scopes.DropReserve, Scopes.DropRsvp }.ToFrozenSet(StringComparer.Ordinal), null, s_now.AddDays(1), "kid", Guid.NewGuid().ToString("N"));

    private DropState Publish(int allocation, int limit)
    {
        _origin.AddSku("d1", "hoodie-m", allocation, limit);
        var drop = new DropState
        {
            DropId = "d1",
            CreatorId = "c1",
            Title = "Tour drop",
            StartsAtUnixMs = s_now.AddMinutes(-1).ToUnixTimeMilliseconds(),
            EndsAtUnixMs = s_now.AddHours(2).ToUnixTimeMilliseconds(),
            PerViewerLimit = limit,
            Skus = { new DropSku { SkuId = "hoodie-m", Allocation = allocation } },
        };
        Publish(drop);
        return drop;
    }

    private void Publish(DropState drop)
    {
        var revision = _holder.Current.Revision + 1;
        drop.Revision = revision;
        var snapshot = new Snapshot { Revision = revision, Drops = { drop } };
        _holder.Swap(_holder.Current.ApplySnapshot(snapshot).Replica);
    }
}
