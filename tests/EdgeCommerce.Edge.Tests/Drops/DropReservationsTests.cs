using System.Collections.Frozen;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Drops;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>
/// The edge's reservation rules on a fake clock: the phase boundaries one second either side,
/// tier and RSVP gating, TTL expiry, idempotency, sold-out and "not now" answers, the per-viewer
/// limit, and an origin that is down.
/// </summary>
public sealed class DropReservationsTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 19, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_startsAt = s_now.AddHours(1);
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(2);

    private readonly FakeTimeProvider _time = new(s_now);
    private readonly ReplicaHolder _holder = new();
    private readonly InMemoryDropOrigin _origin;
    private readonly TestMeterFactory _meters = new();
    private readonly DropReservations _reservations;

    public DropReservationsTests()
    {
        _origin = new InMemoryDropOrigin(_time, TimeSpan.FromMinutes(10));
        _reservations = new DropReservations(_holder, _origin,
            Options.Create(new DropsOptions { ReservationTtl = s_ttl, ClockSkewMargin = TimeSpan.FromSeconds(5), LeaseUnits = 2 }),
            Options.Create(new EdgeOptions { Id = "edge-1", Region = "eu", PublicUrl = "http://edge" }),
            _time, new DropMetrics(_meters), NullLogger<DropReservations>.Instance);
    }

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(-601, "scheduled")]
    [InlineData(-600, "early_access")]
    [InlineData(-599, "early_access")]
    [InlineData(-1, "early_access")]
    [InlineData(0, "open")]
    [InlineData(7199, "open")]
    [InlineData(7200, "closed")]
    public void DropPhasesOf_SecondsFromStart_IsThePhaseOfThatInstant(int seconds, string expected)
    {
        // Arrange
        var drop = Drop(allocation: 5, earlyMinutes: 10, audience: "tier:gold");

        // Act
        var phase = Contracts.DropPhases.Of(drop, s_startsAt.AddSeconds(seconds));

        // Assert
        Assert.Equal(expected, Contracts.DropPhases.Name(phase));
    }

    [Fact]
    public async Task ReserveAsync_TierEarlyAccessOneSecondEitherSide_OpensForTheTierThenForEveryone()
    {
        // Arrange
        Publish(Drop(allocation: 10, earlyMinutes: 10, audience: "tier:gold"));
        var earlyFrom = s_startsAt.AddMinutes(-10);

        // Act
        _time.SetUtcNow(earlyFrom.AddSeconds(-1));
        var goldTooEarly = await Reserve(Viewer("gold-1", tier: "gold"));
        _time.SetUtcNow(earlyFrom);
        var goldAtEarly = await Reserve(Viewer("gold-1", tier: "gold"));
        var silverAtEarly = await Reserve(Viewer("silver-1", tier: "silver"));
        _time.SetUtcNow(s_startsAt.AddSeconds(-1));
        var plainJustBefore = await Reserve(Viewer("plain-1"));
        _time.SetUtcNow(s_startsAt);
        var plainAtStart = await Reserve(Viewer("plain-1"));

        // Assert
        Assert.Equal((ReserveStatus.NotOpen, earlyFrom), (goldTooEarly.Status, goldTooEarly.OpensAt!.Value));
        Assert.Equal(ReserveStatus.Created, goldAtEarly.Status);
        Assert.Equal((ReserveStatus.NotOpen, s_startsAt), (silverAtEarly.Status, silverAtEarly.OpensAt!.Value));
        Assert.Equal((ReserveStatus.NotOpen, s_startsAt), (plainJustBefore.Status, plainJustBefore.OpensAt!.Value));
        Assert.Equal(ReserveStatus.Created, plainAtStart.Status);
    }

    [Fact]
    public async Task ReserveAsync_RsvpEarlyAccess_OnlyViewersWhoRsvpedHereOrOnAnotherEdge()
    {
        // Arrange
        Publish(Drop(allocation: 10, earlyMinutes: 10, audience: "rsvp"));
        _time.SetUtcNow(s_startsAt.AddMinutes(-5));
        _origin.AddRsvp("d1", "elsewhere"); // RSVPed through another edge: only the origin knows

        // Act
        var before = await Reserve(Viewer("here"));
        var rsvp = await _reservations.RsvpAsync(Viewer("here"), "d1", CancellationToken);
        var after = await Reserve(Viewer("here"));
        var otherEdge = await Reserve(Viewer("elsewhere"));
        var never = await Reserve(Viewer("never"));

        // Assert
        Assert.Equal(ReserveStatus.NotOpen, before.Status);
        Assert.Equal(RsvpStatus.Recorded, rsvp);
        Assert.Equal(ReserveStatus.Created, after.Status);
        Assert.Equal(ReserveStatus.Created, otherEdge.Status);
        Assert.Equal((ReserveStatus.NotOpen, s_startsAt), (never.Status, never.OpensAt!.Value));
    }

    [Fact]
    public async Task SweepAsync_ReservationPastItsTtl_ExpiresAndItsUnitServesTheNextViewerFromTheSameLease()
    {
        // Arrange
        Publish(Drop(allocation: 1, startsAt: s_now));
        var first = await Reserve(Viewer("a"));
        var whileHeld = await Reserve(Viewer("b"));

        // Act
        _time.Advance(s_ttl - TimeSpan.FromSeconds(1));
        await _reservations.SweepAsync(CancellationToken);
        var stillHeld = first.Reservation!.State;
        _time.Advance(TimeSpan.FromSeconds(1));
        await _reservations.SweepAsync(CancellationToken);
        var confirmExpired = await _reservations.ConfirmAsync(Viewer("a"), first.Reservation.Id, CancellationToken);
        var next = await Reserve(Viewer("b"));

        // Assert
        Assert.Equal(ReserveStatus.Created, first.Status);
        Assert.Equal(ReserveStatus.Unavailable, whileHeld.Status);
        Assert.Equal(ReservationState.Held, stillHeld);
        Assert.Equal(ReservationState.Expired, first.Reservation.State);
        Assert.Equal(ConfirmStatus.Gone, confirmExpired.Status);
        Assert.Equal(ReserveStatus.Created, next.Status);
        Assert.Same(first.Reservation.Lease, next.Reservation!.Lease);
    }

    /// <summary>
    /// Reservations made at two times, swept as each group comes due. Catches a sweep that looks
    /// at every reservation the edge remembers (tens of thousands during a drop, each second)
    /// instead of only those due, and one that expires a reservation early or leaves a due one held.
    /// </summary>
    [Fact]
    public async Task SweepAsync_ReservationsMadeAtTwoTimes_ExpiresExactlyTheDueOnesAndLooksAtNoOther()
    {
        // Arrange
        using var swept = new MetricCollector<long>(_meters, DropMetrics.MeterName, DropMetrics.SweptName);
        Publish(Drop(allocation: 10, startsAt: s_now));
        var early = new[] { await Reserve(Viewer("a")), await Reserve(Viewer("b")), await Reserve(Viewer("c")) };
        _time.Advance(TimeSpan.FromSeconds(30));
        var late = new[] { await Reserve(Viewer("d")), await Reserve(Viewer("e")) };

        // Act
        _time.Advance(s_ttl - TimeSpan.FromSeconds(31));
        await _reservations.SweepAsync(CancellationToken);
        var beforeAnyDue = swept.GetMeasurementSnapshot().EvaluateAsCounter();
        _time.Advance(TimeSpan.FromSeconds(1));
        await _reservations.SweepAsync(CancellationToken);
        var earlyDue = swept.GetMeasurementSnapshot().EvaluateAsCounter();
        var statesAtEarlyDue = early.Concat(late).Select(r => r.Reservation!.State).ToArray();
        _time.Advance(TimeSpan.FromSeconds(29));
        await _reservations.SweepAsync(CancellationToken);
        var justBeforeLateDue = swept.GetMeasurementSnapshot().EvaluateAsCounter();
        _time.Advance(TimeSpan.FromSeconds(1));
        await _reservations.SweepAsync(CancellationToken);

        // Assert
        Assert.All(early.Concat(late), r => Assert.Equal(ReserveStatus.Created, r.Status));
        Assert.Equal(0, beforeAnyDue);
        Assert.Equal(3, earlyDue);
        Assert.Equal([ReservationState.Expired, ReservationState.Expired, ReservationState.Expired, ReservationState.Held, ReservationState.Held], statesAtEarlyDue);
        Assert.Equal(3, justBeforeLateDue);
        Assert.Equal(5, swept.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.All(late, r => Assert.Equal(ReservationState.Expired, r.Reservation!.State));
        Assert.Equal(0, _reservations.PoolFor("d1", "hoodie-m").Holdings(_time.GetUtcNow()).Held);
    }

    /// <summary>
    /// A reservation a call holds (a confirm in flight) when its expiry comes, and a released one.
    /// Catches a due reservation the sweep takes out of its index and never looks at again (held
    /// for ever: its unit and the viewer's count never return), and an ended one forgotten before
    /// a TTL past its expiry (a retried release or confirm would be told "not found") or never.
    /// </summary>
    [Fact]
    public async Task SweepAsync_ReservationBusyAtItsExpiryOrReleased_ExpiredByALaterSweepAndForgottenATtlLater()
    {
        // Arrange
        Publish(Drop(allocation: 10, startsAt: s_now));
        var busy = (await Reserve(Viewer("a"))).Reservation!;
        var released = (await Reserve(Viewer("b"))).Reservation!;
        await _reservations.ReleaseAsync(Viewer("b"), released.Id, CancellationToken);

        // Act
        _time.Advance(s_ttl);
        await busy.Gate.WaitAsync(CancellationToken);
        await _reservations.SweepAsync(CancellationToken);
        var whileBusy = busy.State;
        busy.Gate.Release();
        await _reservations.SweepAsync(CancellationToken);
        var afterwards = busy.State;
        _time.Advance(s_ttl - TimeSpan.FromSeconds(1));
        await _reservations.SweepAsync(CancellationToken);
        var keptUntil = (_reservations.Find(busy.Id), _reservations.Find(released.Id));
        var releasedAgain = await _reservations.ReleaseAsync(Viewer("b"), released.Id, CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _reservations.SweepAsync(CancellationToken);

        // Assert
        Assert.Equal(ReservationState.Held, whileBusy);
        Assert.Equal(ReservationState.Expired, afterwards);
        Assert.Equal((busy, released), keptUntil);
        Assert.Equal(ConfirmStatus.Gone, releasedAgain.Status);
        Assert.Null(_reservations.Find(busy.Id));
        Assert.Null(_reservations.Find(released.Id));
        Assert.Equal(0, _reservations.Tracked().Reservations);
        Assert.Equal(0, _reservations.Tracked().ViewerCounts);
    }

    [Fact]
    public async Task ReserveAsync_NoUnitFreeButSomeHeld_Answers503WithWhenTheHoldingLeaseEnds()
    {
        // Arrange
        Publish(Drop(allocation: 1, startsAt: s_now));
        await Reserve(Viewer("a"));

        // Act
        var result = await Reserve(Viewer("b"));

        // Assert: the only lease is the edge's own, and it ends in 10 minutes.
        Assert.Equal(ReserveStatus.Unavailable, result.Status);
        Assert.Equal(TimeSpan.FromMinutes(10), result.RetryAfter);
    }

    /// <summary>
    /// Twenty concurrent retries with one Idempotency-Key. What it would catch: two attempts both
    /// missing the key and reserving twice (units held twice, the viewer's limit spent twice).
    /// </summary>
    [Fact]
    public async Task ReserveAsync_SameKeyConcurrentlyAndLater_OneReservationReplayed()
    {
        // Arrange
        Publish(Drop(allocation: 10, startsAt: s_now, limit: 2));
        var viewer = Viewer("a");

        // Act
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 1, "key-1", CancellationToken), CancellationToken)));
        var otherQuantity = await _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 2, "key-1", CancellationToken);
        var otherKey = await _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 1, "key-2", CancellationToken);
        var overLimit = await _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 1, "key-3", CancellationToken);

        // Assert
        Assert.All(results, static r => Assert.Equal(ReserveStatus.Created, r.Status));
        Assert.Single(results.Select(static r => r.Reservation!.Id).Distinct());
        Assert.Equal(19, results.Count(static r => r.Replayed));
        Assert.Equal(ReserveStatus.KeyReused, otherQuantity.Status);
        Assert.Equal(ReserveStatus.Created, otherKey.Status);
        Assert.Equal(ReserveStatus.OverLimit, overLimit.Status);
    }

    /// <summary>
    /// A client times out while the edge waits for a lease and retries with its Idempotency-Key
    /// before the edge has dropped the first request: the retry joins that attempt, which then
    /// ends with the first request's cancellation. What it would catch: the retry rethrowing
    /// another request's OperationCanceledException (a 500) instead of reserving anew.
    /// </summary>
    [Fact]
    public async Task ReserveAsync_RetryJoinedAnAttemptWhoseRequestWasAborted_ReservesAnew()
    {
        // Arrange
        Publish(Drop(allocation: 10, startsAt: s_now, limit: 1));
        var viewer = Viewer("a");
        var leaseGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _origin.LeaseGate = leaseGate;
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        var first = _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 1, "key-1", aborted.Token);
        var retry = _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 1, "key-1", CancellationToken);

        // Act
        await aborted.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        leaseGate.SetResult();
        var result = await retry;

        // Assert
        Assert.Equal((ReserveStatus.Created, false), (result.Status, result.Replayed));
        Assert.Equal(ReservationState.Held, result.Reservation!.State);
    }

    [Fact]
    public async Task ReserveAsync_SameKeyAfterItsReservationWasReleased_ReservesAnew()
    {
        // Arrange
        Publish(Drop(allocation: 10, startsAt: s_now));
        var viewer = Viewer("a");
        var first = await _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 1, "key-1", CancellationToken);
        await _reservations.ReleaseAsync(viewer, first.Reservation!.Id, CancellationToken);

        // Act
        var retry = await _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 1, "key-1", CancellationToken);

        // Assert
        Assert.Equal((ReserveStatus.Created, false), (retry.Status, retry.Replayed));
        Assert.NotEqual(first.Reservation.Id, retry.Reservation!.Id);
        Assert.Equal(ReservationState.Held, retry.Reservation.State);
    }

    [Fact]
    public async Task ConfirmAsync_RetriedAndAcrossARestart_SellsOnce()
    {
        // Arrange
        Publish(Drop(allocation: 10, startsAt: s_now));
        var viewer = Viewer("a");
        var made = await _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 1, "key-1", CancellationToken);

        // Act
        var first = await _reservations.ConfirmAsync(viewer, made.Reservation!.Id, CancellationToken);
        var again = await _reservations.ConfirmAsync(viewer, made.Reservation.Id, CancellationToken);
        var stranger = await _reservations.ConfirmAsync(Viewer("b"), made.Reservation.Id, CancellationToken);
        // The same key on a fresh edge process (which forgot it) reserves again; the origin knows the key.
        var restarted = new DropReservations(_holder, _origin, Options.Create(new DropsOptions { ReservationTtl = s_ttl, LeaseUnits = 2 }),
            Options.Create(new EdgeOptions { Id = "edge-1" }), _time, new DropMetrics(_meters), NullLogger<DropReservations>.Instance);
        var retried = await restarted.ReserveAsync(viewer, "d1", "hoodie-m", 1, "key-1", CancellationToken);
        var duplicate = await restarted.ConfirmAsync(viewer, retried.Reservation!.Id, CancellationToken);

        // Assert
        Assert.Equal(ConfirmStatus.Confirmed, first.Status);
        Assert.Equal(ConfirmStatus.Confirmed, again.Status);
        Assert.Equal(ConfirmStatus.NotFound, stranger.Status);
        Assert.Equal((ConfirmStatus.Confirmed, made.Reservation.Id), (duplicate.Status, duplicate.Reservation!.DuplicateOf));
        Assert.Equal(1, _origin.Sold("d1", "hoodie-m"));
    }

    [Fact]
    public async Task ReserveAsync_EveryUnitSold_AnswersSoldOutFromTheOriginThenFromTheReplica()
    {
        // Arrange
        Publish(Drop(allocation: 2, startsAt: s_now));
        foreach (var name in new[] { "a", "b" })
        {
            var made = await Reserve(Viewer(name));
            await _reservations.ConfirmAsync(Viewer(name), made.Reservation!.Id, CancellationToken);
        }

        // Act
        var fromOrigin = await Reserve(Viewer("c"));
        Publish(Drop(allocation: 2, startsAt: s_now, sold: 2));
        var calls = _origin.LeaseCalls;
        var fromReplica = await Reserve(Viewer("d"));

        // Assert
        Assert.Equal(ReserveStatus.SoldOut, fromOrigin.Status);
        Assert.Equal(ReserveStatus.SoldOut, fromReplica.Status);
        Assert.Equal(calls, _origin.LeaseCalls);
    }

    [Fact]
    public async Task ReserveAsync_OriginDownAndNoLocalUnits_AnswersUnavailableAndNothingIsHeld()
    {
        // Arrange
        Publish(Drop(allocation: 5, startsAt: s_now, limit: 1));
        _origin.Down = true;

        // Act
        var down = await Reserve(Viewer("a"));
        _origin.Down = false;
        var back = await Reserve(Viewer("a"));

        // Assert: the failed attempt did not spend the viewer's limit of one.
        Assert.Equal((ReserveStatus.Unavailable, TimeSpan.FromSeconds(1)), (down.Status, down.RetryAfter!.Value));
        Assert.Equal(ReserveStatus.Created, back.Status);
    }

    [Fact]
    public async Task ReleaseAsync_HeldReservation_FreesTheViewersLimitAndTheUnit()
    {
        // Arrange
        Publish(Drop(allocation: 1, startsAt: s_now, limit: 1));
        var made = await Reserve(Viewer("a"));

        // Act
        var released = await _reservations.ReleaseAsync(Viewer("a"), made.Reservation!.Id, CancellationToken);
        var again = await Reserve(Viewer("a"));

        // Assert
        Assert.Equal(ConfirmStatus.Gone, released.Status);
        Assert.Equal(ReserveStatus.Created, again.Status);
    }

    /// <summary>
    /// A token of another creator with the viewer's sub and Idempotency-Key. What it would catch: a
    /// key shared across creators replaying (and so revealing) the viewer's reservation, and the
    /// impostor's units counting against the viewer's per-viewer limit.
    /// </summary>
    [Fact]
    public async Task ReserveAsync_SameSubAndKeyOfAnotherCreator_NotFoundAndTheViewerIsUntouched()
    {
        // Arrange
        Publish(Drop(allocation: 10, startsAt: s_now, limit: 2));
        var viewer = Viewer("a");
        var impostor = Viewer("a", creator: "c2");
        var made = await _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 1, "key-1", CancellationToken);

        // Act
        var replay = await _reservations.ReserveAsync(impostor, "d1", "hoodie-m", 1, "key-1", CancellationToken);
        var fresh = await _reservations.ReserveAsync(impostor, "d1", "hoodie-m", 2, "key-2", CancellationToken);
        var rsvp = await _reservations.RsvpAsync(impostor, "d1", CancellationToken);
        var confirm = await _reservations.ConfirmAsync(impostor, made.Reservation!.Id, CancellationToken);
        var release = await _reservations.ReleaseAsync(impostor, made.Reservation.Id, CancellationToken);
        var second = await _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 1, "key-2", CancellationToken);

        // Assert
        Assert.Equal((ReserveStatus.NotFound, null), (replay.Status, replay.Reservation));
        Assert.Equal(ReserveStatus.NotFound, fresh.Status);
        Assert.Equal(RsvpStatus.NotFound, rsvp);
        Assert.Equal((ConfirmStatus.NotFound, ConfirmStatus.NotFound), (confirm.Status, release.Status));
        Assert.Equal(ReservationState.Held, made.Reservation.State);
        Assert.Equal(ReserveStatus.Created, second.Status);
        Assert.Equal(0, _origin.ConfirmCalls);
    }

    [Fact]
    public async Task ReserveAsync_TierOfAnotherCreatorOrNoCreator_NotFoundNotEarlyAccess()
    {
        // Arrange
        Publish(Drop(allocation: 10, earlyMinutes: 10, audience: "tier:gold"));
        _time.SetUtcNow(s_startsAt.AddMinutes(-5));

        // Act
        var otherCreator = await Reserve(Viewer("gold-1", tier: "gold", creator: "c2"));
        var noCreator = await Reserve(new AccessToken("ops", null, new[] { Scopes.AdminPlatform, Scopes.DropReserve }.ToFrozenSet(StringComparer.Ordinal), "gold",
            s_now.AddDays(1), "kid", Guid.NewGuid().ToString("N")));
        var own = await Reserve(Viewer("gold-1", tier: "gold"));

        // Assert
        Assert.Equal(ReserveStatus.NotFound, otherCreator.Status);
        Assert.Equal(ReserveStatus.NotFound, noCreator.Status);
        Assert.Equal(ReserveStatus.Created, own.Status);
    }

    public void Dispose() => _meters.Dispose();

    private Task<ReserveResult> Reserve(AccessToken viewer) => _reservations.ReserveAsync(viewer, "d1", "hoodie-m", 1, null, CancellationToken);

    private static AccessToken Viewer(string subject, string? tier = null, string creator = "c1")
        => new(subject, creator, new[] { Scopes.DropReserve, Scopes.DropRsvp }.ToFrozenSet(StringComparer.Ordinal), tier, s_now.AddDays(1), "kid", Guid.NewGuid().ToString("N"));

    private DropState Drop(int allocation, DateTimeOffset? startsAt = null, int earlyMinutes = 0, string audience = "", int limit = 2, int sold = 0)
    {
        var start = startsAt ?? s_startsAt;
        _origin.AddSku("d1", "hoodie-m", allocation, limit);
        return new DropState
        {
            DropId = "d1",
            CreatorId = "c1",
            Revision = 1,
            Title = "Tour drop",
            StartsAtUnixMs = start.ToUnixTimeMilliseconds(),
            EndsAtUnixMs = start.AddHours(2).ToUnixTimeMilliseconds(),
            EarlyAccessMinutes = earlyMinutes,
            EarlyAccessAudience = audience,
            PerViewerLimit = limit,
            Skus = { new DropSku { SkuId = "hoodie-m", Allocation = allocation, Sold = sold } },
        };
    }

    private void Publish(DropState drop)
    {
        var revision = _holder.Current.Revision + 1;
        drop.Revision = revision;
        var snapshot = new Snapshot { Revision = revision, Drops = { drop } };
        _holder.Swap(_holder.Current.ApplySnapshot(snapshot).Replica);
    }
}
