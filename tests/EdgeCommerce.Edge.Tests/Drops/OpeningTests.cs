using System.Collections.Concurrent;
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
/// The opening of a drop on one edge (issue 20), on a fake clock: refills that ask for every
/// waiting buyer at once, and stock placed before the open that the first buyers reserve from.
/// </summary>
public sealed class OpeningTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 19, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(s_now);
    private readonly ReplicaHolder _holder = new();
    private readonly InMemoryDropOrigin _origin;
    private readonly GatedOrigin _gated;
    private readonly TestMeterFactory _meters = new();
    private readonly DropReservations _reservations;
    private readonly StockPlacement _placement;
    private int _collections;

    public OpeningTests()
    {
        _origin = new InMemoryDropOrigin(_time, TimeSpan.FromMinutes(10));
        _gated = new GatedOrigin(_origin);
        var options = Options.Create(new DropsOptions { ReservationTtl = TimeSpan.FromMinutes(2), ClockSkewMargin = TimeSpan.FromSeconds(5), LeaseUnits = 2 });
        var edge = Options.Create(new EdgeOptions { Id = "edge-1", Region = "eu", PublicUrl = "http://edge" });
        var metrics = new DropMetrics(_meters);
        _reservations = new DropReservations(_holder, _gated, options, edge, _time, metrics, NullLogger<DropReservations>.Instance);
        _placement = new StockPlacement(_holder, _reservations, _gated, options, edge, _time, metrics, NullLogger<StockPlacement>.Instance,
            collectBeforeOpen: () => Interlocked.Increment(ref _collections));
    }

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public void ReserveAsync_BurstWhileTheFirstRefillIsInFlight_OneMoreRefillAsksForEveryWaiterAtOnce()
    {
        // Arrange: an open drop of 100; the first lease call hangs until released.
        Publish(Drop(allocation: 100, startsAt: s_now.AddMinutes(-1)));
        _gated.HoldFirstCall();

        // Act: 30 more buyers arrive while it hangs, then it answers.
        var results = OneThread.Run(async () =>
        {
            var first = Reserve("viewer-0");
            await _gated.FirstCallHeld;
            var burst = Enumerable.Range(1, 30).Select(i => Reserve($"viewer-{i}")).ToList();
            _gated.Release();
            return await Task.WhenAll([first, .. burst]);
        });

        // Assert: every buyer reserved with two lease calls: the first (its 2 units), then one for
        // all who still wait (their total, granted in full). Before, each refill asked for what the
        // previous lease sold: 2, 2, 4, 8, ... and a call each.
        Assert.All(results, static r => Assert.Equal(ReserveStatus.Created, r.Status));
        Assert.Equal(2, _origin.LeaseCalls);
        Assert.InRange(_origin.Requests[1].WantedUnits, 29, 31);
        Assert.True(_origin.Requests[1].Units >= _origin.Requests[1].WantedUnits);
    }

    /// <summary>
    /// What it would catch: buyers who arrive just after a refill was sent waiting for it to come
    /// back before their own refill leaves (two round trips at an opening instead of one).
    /// </summary>
    [Fact]
    public void ReserveAsync_BuyersArriveWhileARefillIsInFlight_ASecondRefillServesThemWithoutWaitingForTheFirst()
    {
        // Arrange: an open drop of 100; the first lease call (one buyer's) hangs until released.
        Publish(Drop(allocation: 100, startsAt: s_now.AddMinutes(-1)));
        _gated.HoldFirstCall();

        // Act: 10 buyers arrive while it hangs.
        var (served, firstDoneBefore, firstResult) = OneThread.Run(async () =>
        {
            var first = Reserve("viewer-0");
            await _gated.FirstCallHeld;
            var burst = Enumerable.Range(1, 10).Select(i => Reserve($"viewer-{i}")).ToList();
            // A guard against the hang the old code had (the burst waited for the held call), not a measure.
            var served = await Task.WhenAll(burst).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken);
            var firstDoneBefore = first.IsCompleted;
            _gated.Release();
            return (served, firstDoneBefore, await first);
        });

        // Assert: the 10 were served by a second call for their 10 units while the first was held;
        // the first buyer still got its unit from its own call.
        Assert.All(served, static r => Assert.Equal(ReserveStatus.Created, r.Status));
        Assert.False(firstDoneBefore);
        Assert.Equal(10, _origin.Requests[0].WantedUnits);
        Assert.Equal(ReserveStatus.Created, firstResult.Status);
        Assert.Equal(2, _origin.LeaseCalls);
    }

    /// <summary>
    /// What it would catch: a refill sized when only its first buyer waited, while the others of
    /// the same burst were already running on this process (at an opening, a second round trip
    /// for them; the burst benchmark's tail). The buyers start on one thread, as requests queued
    /// together do, so whether they count does not depend on the thread pool's timing.
    /// </summary>
    [Fact]
    public void ReserveAsync_BurstArrivingTogether_OneRefillSizedForEveryBuyer()
    {
        // Arrange: an open drop of 100, no lease on this edge.
        Publish(Drop(allocation: 100, startsAt: s_now.AddMinutes(-1)));

        // Act: 30 buyers arrive at once.
        var results = OneThread.Run(() => Task.WhenAll(Enumerable.Range(0, 30).Select(i => Reserve($"viewer-{i}"))));

        // Assert: one lease call asking for all 30 (before, one call per lease size step: the
        // first sized for one waiting buyer, each next one for what the previous lease sold).
        Assert.All(results, static r => Assert.Equal(ReserveStatus.Created, r.Status));
        Assert.Equal(1, _origin.LeaseCalls);
        Assert.Equal(30, _origin.Requests[0].WantedUnits);
    }

    [Fact]
    public async Task PlaceAsync_WithinTheLeadBeforeTheOpen_PlacesOnceAndTheFirstBuyersReserveWithoutAnOriginCall()
    {
        // Arrange: two drops of 40, one opening in 30 s (within the 1 minute lead), one in 2 hours.
        Publish(Drop(allocation: 40, startsAt: s_now.AddSeconds(30)), Drop(allocation: 40, startsAt: s_now.AddHours(2), dropId: "d2"));

        // Act
        await _placement.PlaceAsync(CancellationToken);
        await _placement.PlaceAsync(CancellationToken);
        var placed = _reservations.Leases.FreeUnits("d1", "hoodie-m");
        var callsBeforeOpen = _origin.LeaseCalls;
        _time.SetUtcNow(s_now.AddSeconds(30));
        var buyers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Reserve($"viewer-{i}")));

        // Assert: one placement call (for d1 only, marked as such), 20 units (the in-memory origin
        // places half of what is free), and ten buyers at the open served from them.
        Assert.Equal(1, callsBeforeOpen);
        Assert.Equal(("d1", true), (_origin.Requests[0].DropId, _origin.Requests[0].Preposition));
        Assert.Equal(20, placed);
        Assert.All(buyers, static r => Assert.Equal(ReserveStatus.Created, r.Status));
        Assert.Equal(1, _origin.LeaseCalls);
        Assert.Equal(10, _reservations.Leases.FreeUnits("d1", "hoodie-m"));
    }

    [Fact]
    public async Task PlaceAsync_OpenWithinTheNextPassWithPlacedStock_CollectsGarbageOnceJustBeforeTheOpen()
    {
        // Arrange: a drop opening in 30 s, its stock placed on this edge; then 0.6 s before the open.
        Publish(Drop(allocation: 40, startsAt: s_now.AddSeconds(30)));
        await _placement.PlaceAsync(CancellationToken);
        var farFromTheOpen = Volatile.Read(ref _collections);
        _time.SetUtcNow(s_now.AddSeconds(29.4));

        // Act: the last passes before the open (a pass every second; two here, as a slow pass would overlap).
        await _placement.PlaceAsync(CancellationToken);
        await _placement.PlaceAsync(CancellationToken);
        var beforeTheLead = Volatile.Read(ref _collections);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        var atTheLead = Volatile.Read(ref _collections);

        // Assert: nothing 30 s ahead nor before the 100 ms lead; one collection at it, not one per pass
        // (the old code never collected: a collection could fall in the burst of first reservations).
        Assert.Equal((0, 0, 1), (farFromTheOpen, beforeTheLead, atTheLead));
    }

    [Fact]
    public async Task PlaceAsync_OpenWithinTheNextPassWithoutPlacedStock_CollectsNothing()
    {
        // Arrange: the origin is down, so no stock is placed here: this edge expects no burst from its own stock.
        Publish(Drop(allocation: 40, startsAt: s_now.AddSeconds(0.5)));
        _origin.Down = true;

        // Act
        await _placement.PlaceAsync(CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(1));

        // Assert
        Assert.Equal(0, _reservations.Leases.FreeUnits("d1", "hoodie-m"));
        Assert.Equal(0, Volatile.Read(ref _collections));
    }

    [Fact]
    public async Task PlaceAsync_AfterTheOpen_PlacesNothing()
    {
        // Arrange
        Publish(Drop(allocation: 40, startsAt: s_now.AddSeconds(-1)));

        // Act
        await _placement.PlaceAsync(CancellationToken);

        // Assert: refills serve an open drop.
        Assert.Equal(0, _origin.LeaseCalls);
    }

    [Fact]
    public async Task PlaceAsync_RsvpsTakenOnThisEdge_AreTheExpectedBuyersThePlacementCarries()
    {
        // Arrange: a drop opening in 30 s; three viewers RSVP through this edge.
        Publish(Drop(allocation: 40, startsAt: s_now.AddSeconds(30)));
        foreach (var viewer in new[] { "viewer-0", "viewer-1", "viewer-2" })
        {
            Assert.Equal(RsvpStatus.Recorded, await _reservations.RsvpAsync(Token(viewer), "d1", CancellationToken));
        }

        // Act
        await _placement.PlaceAsync(CancellationToken);

        // Assert: the origin weights this edge's share by them (before, the request carried none).
        Assert.Equal((true, 3), (_origin.Requests[0].Preposition, _origin.Requests[0].ExpectedBuyers));
    }

    /// <summary>
    /// What it would catch: the placement's origin call carrying the host's stopping token, so a
    /// reservation that joined it as its refill was answered with that cancellation at shutdown.
    /// </summary>
    [Fact]
    public async Task PlaceAsync_StoppedWhileABuyerWaitsOnThePlacement_TheBuyerStillGetsItsUnit()
    {
        // Arrange: the placement's call hangs; the drop opens meanwhile and a buyer joins it.
        Publish(Drop(allocation: 40, startsAt: s_now.AddSeconds(30)));
        _gated.HoldFirstCall();
        using var stopping = new CancellationTokenSource();
        var placing = _placement.PlaceAsync(stopping.Token);
        _time.SetUtcNow(s_now.AddSeconds(30));
        var buyer = Reserve("viewer-0");

        // Act: the host stops, then the origin answers.
        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => placing);
        _gated.Release();
        var result = await buyer;

        // Assert
        Assert.Equal(ReserveStatus.Created, result.Status);
        Assert.Equal(1, _origin.LeaseCalls);
    }

    [Fact]
    public async Task ReturnSurplusAsync_IdlePoolHoldingMoreThanTheOriginHasLeft_GivesItsFreeUnitsBack()
    {
        // Arrange: 20 of 40 units placed here; open, one buyer reserves; the replica says the
        // origin has 2 units left to lease (other edges hold the rest).
        Publish(Drop(allocation: 40, startsAt: s_now.AddSeconds(30)));
        await _placement.PlaceAsync(CancellationToken);
        _time.SetUtcNow(s_now.AddSeconds(30));
        Assert.Equal(ReserveStatus.Created, (await Reserve("viewer-0")).Status);
        Publish(Drop(allocation: 40, startsAt: s_now.AddSeconds(30), leased: 38));

        // Act: the first pass sees the reservation (not idle), the second an idle pool.
        await _placement.ReturnSurplusAsync(CancellationToken);
        var afterBusyPass = _reservations.Leases.FreeUnits("d1", "hoodie-m");
        await _placement.ReturnSurplusAsync(CancellationToken);

        // Assert: the 19 free units went back to the origin; the held one stays.
        Assert.Equal(19, afterBusyPass);
        Assert.Equal(0, _reservations.Leases.FreeUnits("d1", "hoodie-m"));
        Assert.Equal(1, _origin.Leased("d1", "hoodie-m"));
    }

    [Fact]
    public async Task ReturnSurplusAsync_IdlePoolWhileTheOriginHasMoreLeft_KeepsItsUnits()
    {
        // Arrange: 20 of 40 placed here, the origin keeps the other 20.
        Publish(Drop(allocation: 40, startsAt: s_now.AddSeconds(30)));
        await _placement.PlaceAsync(CancellationToken);
        _time.SetUtcNow(s_now.AddSeconds(30));
        Publish(Drop(allocation: 40, startsAt: s_now.AddSeconds(30), leased: 20));

        // Act
        await _placement.ReturnSurplusAsync(CancellationToken);
        await _placement.ReturnSurplusAsync(CancellationToken);

        // Assert: nobody elsewhere can be short of units this edge holds idle.
        Assert.Equal(20, _reservations.Leases.FreeUnits("d1", "hoodie-m"));
    }

    public void Dispose() => _meters.Dispose();

    private Task<ReserveResult> Reserve(string viewer)
        => _reservations.ReserveAsync(Token(viewer), "d1", "hoodie-m", 1, null, CancellationToken);

    private static AccessToken Token(string viewer)
        => new(viewer, "c1", new[] { Scopes.DropReserve, Scopes.DropRsvp }.ToFrozenSet(StringComparer.Ordinal), null, s_now.AddDays(1), "kid", Guid.NewGuid().ToString("N"));

    private DropState Drop(int allocation, DateTimeOffset startsAt, string dropId = "d1", int leased = 0)
    {
        // A drop published again with stock (leased > 0) keeps the in-memory origin's SKU as it is.
        if (leased == 0)
        {
            _origin.AddSku(dropId, "hoodie-m", allocation, 2);
        }

        return new DropState
        {
            DropId = dropId,
            CreatorId = "c1",
            Revision = 1,
            Title = "Opening drop",
            StartsAtUnixMs = startsAt.ToUnixTimeMilliseconds(),
            EndsAtUnixMs = startsAt.AddHours(2).ToUnixTimeMilliseconds(),
            PerViewerLimit = 2,
            Skus = { new DropSku { SkuId = "hoodie-m", Allocation = allocation, Leased = leased } },
        };
    }

    private void Publish(params DropState[] drops)
    {
        var revision = _holder.Current.Revision + 1;
        foreach (var drop in drops)
        {
            drop.Revision = revision;
        }

        _holder.Swap(_holder.Current.ApplySnapshot(new Snapshot { Revision = revision, Drops = { drops } }).Replica);
    }

    /// <summary>The in-memory origin, whose first lease call can be held until <see cref="Release"/>.</summary>
    private sealed class GatedOrigin(InMemoryDropOrigin inner) : IDropInventoryOrigin
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _holdNext;

        public void HoldFirstCall() => _holdNext = 1;

        /// <summary>Completes once the held call reached the origin (its request sized and sent).</summary>
        public Task FirstCallHeld => _held.Task;

        public void Release() => _gate.TrySetResult();

        public async Task<AcquireLeaseReply> AcquireLeaseAsync(AcquireLeaseRequest request, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _holdNext, 0) == 1)
            {
                _held.TrySetResult();
                await _gate.Task.WaitAsync(cancellationToken);
            }

            return await inner.AcquireLeaseAsync(request, cancellationToken);
        }

        public Task<ReturnLeaseReply> ReturnLeaseAsync(ReturnLeaseRequest request, CancellationToken cancellationToken) => inner.ReturnLeaseAsync(request, cancellationToken);

        public Task<ConfirmSaleReply> ConfirmSaleAsync(ConfirmSaleRequest request, CancellationToken cancellationToken) => inner.ConfirmSaleAsync(request, cancellationToken);

        public Task<RsvpReply> RsvpAsync(RsvpRequest request, CancellationToken cancellationToken) => inner.RsvpAsync(request, cancellationToken);

        public Task<RsvpReply> HasRsvpAsync(RsvpRequest request, CancellationToken cancellationToken) => inner.HasRsvpAsync(request, cancellationToken);

        public Task<ReclaimLeasesReply> ReclaimLeasesAsync(ReclaimLeasesRequest request, CancellationToken cancellationToken) => inner.ReclaimLeasesAsync(request, cancellationToken);

        public Task<FindSaleReply> FindSaleAsync(FindSaleRequest request, CancellationToken cancellationToken) => inner.FindSaleAsync(request, cancellationToken);
    }

    /// <summary>
    /// Runs async code on one thread: continuations and yields queue behind the code already
    /// running, as requests that arrived together queue on a busy process.
    /// </summary>
    private sealed class OneThread : SynchronizationContext
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];

        public override void Post(SendOrPostCallback d, object? state) => _queue.Add((d, state));

        public static T Run<T>(Func<Task<T>> body)
        {
            var previous = Current;
            var context = new OneThread();
            SetSynchronizationContext(context);
            try
            {
                var task = body();
                while (!task.IsCompleted)
                {
                    if (context._queue.TryTake(out var next, 50))
                    {
                        next.Callback(next.State);
                    }
                }

                return task.GetAwaiter().GetResult();
            }
            finally
            {
                SetSynchronizationContext(previous);
            }
        }
    }
}
