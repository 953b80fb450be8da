using System.Collections.Frozen;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Drops;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>
/// Reservations against an origin that hangs (alive, answering nothing), through the real
/// resilience pipeline on a fake clock: no test here waits on real time, the clock is advanced
/// past the call timeout and the break duration by hand.
/// </summary>
public sealed class HungOriginTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 19, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan s_breakDuration = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new(s_now);
    private readonly ReplicaHolder _holder = new();
    private readonly InMemoryDropOrigin _inner;
    private readonly HangingDropOrigin _origin;
    private readonly ServiceProvider _services;
    private readonly OriginCalls _calls;
    private readonly DropReservations _reservations;

    public HungOriginTests()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        _calls = new OriginCalls(["http://origin-1"], Options.Create(new OriginCallOptions { CallTimeout = s_callTimeout, BreakDuration = s_breakDuration }),
            _time, new OriginLinkMetrics(meters), NullLogger.Instance);
        _inner = new InMemoryDropOrigin(_time, TimeSpan.FromMinutes(10));
        _origin = new HangingDropOrigin(_calls, _inner);
        _reservations = new DropReservations(_holder, _origin,
            Options.Create(new DropsOptions { ReservationTtl = TimeSpan.FromMinutes(2), ClockSkewMargin = TimeSpan.FromSeconds(5), LeaseUnits = 2, MaxLeaseUnits = 4 }),
            Options.Create(new EdgeOptions { Id = "edge-1", Region = "eu", PublicUrl = "http://edge" }),
            _time, new DropMetrics(meters), NullLogger<DropReservations>.Instance);
        Publish(("hoodie-m", 100), ("cap", 100));
    }

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>
    /// Catches waiters queued one behind another (each starting its own origin call after the
    /// previous one timed out: the 20th viewer waiting 20 timeouts) and the misleading "held by
    /// other reservations" answer.
    /// </summary>
    [Fact]
    public async Task ReserveAsync_OriginHungAndNoLease_EveryWaiterGetsOriginUnreachableAtTheFirstTimeout()
    {
        // Arrange
        _origin.Hung = true;

        // Act: 50 viewers at once; then one call timeout passes.
        var waiters = Enumerable.Range(0, 50).Select(i => Reserve($"v{i}", "hoodie-m")).ToList();
        await WaitUntilAsync(() => _origin.InFlight == 1);
        var answeredBeforeTimeout = waiters.Count(static w => w.IsCompleted);
        _time.Advance(s_callTimeout);
        var results = await Task.WhenAll(waiters);

        // Assert: one origin call for all of them, nobody answered early, everybody answered by that one timeout.
        Assert.Equal(0, answeredBeforeTimeout);
        Assert.Equal(1, _origin.Reached);
        Assert.All(results, static r => Assert.Equal(ReserveStatus.OriginUnreachable, r.Status));
        Assert.All(results, static r => Assert.True(r.RetryAfter >= TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task ReserveAsync_CircuitOpen_AnswersWithoutCallingTheOriginAndRetryAfterIsTheTimeToTheProbe()
    {
        // Arrange: two timeouts (the minimum throughput) open the circuit.
        await OpenCircuitAsync();
        var reached = _origin.Reached;

        // Act
        var atOpen = await Reserve("late-1", "hoodie-m");
        _time.Advance(TimeSpan.FromSeconds(2));
        var later = await Reserve("late-2", "hoodie-m");

        // Assert
        Assert.Equal(OriginCircuitState.Open, _calls.StateOf(0));
        Assert.Equal(reached, _origin.Reached);
        Assert.Equal((ReserveStatus.OriginUnreachable, s_breakDuration), (atOpen.Status, atOpen.RetryAfter!.Value));
        Assert.Equal((ReserveStatus.OriginUnreachable, s_breakDuration - TimeSpan.FromSeconds(2)), (later.Status, later.RetryAfter!.Value));
    }

    [Fact]
    public async Task ReserveAndConfirm_CircuitOpen_HeldLeasesKeepServingAndAConfirmStaysHeldUntilTheOriginIsBack()
    {
        // Arrange: a lease for the cap while the origin answers, then the origin hangs.
        var first = await Reserve("a", "cap");
        Assert.Equal(ReserveStatus.Created, first.Status);
        await OpenCircuitAsync();
        var reached = _origin.Reached;

        // Act
        var fromLease = await Reserve("b", "cap");
        var confirmWhileOpen = await _reservations.ConfirmAsync(Viewer("a"), first.Reservation!.Id, CancellationToken);
        _origin.Hung = false;
        _time.Advance(s_breakDuration);
        var confirmAfter = await _reservations.ConfirmAsync(Viewer("a"), first.Reservation.Id, CancellationToken);

        // Assert
        Assert.Equal(ReserveStatus.Created, fromLease.Status);
        Assert.Equal(reached, _origin.Reached - 1);
        Assert.Equal(ConfirmStatus.OriginUnreachable, confirmWhileOpen.Status);
        Assert.Equal(s_breakDuration, confirmWhileOpen.RetryAfter);
        Assert.Equal(ReservationState.Confirmed, confirmAfter.Reservation!.State);
        Assert.Equal(ConfirmStatus.Confirmed, confirmAfter.Status);
        Assert.Equal(1, _inner.Sold("d1", "cap"));
    }

    /// <summary>
    /// Catches a buyer told 410 for a purchase that may have landed: a confirm whose outcome is
    /// unknown (it timed out against a hung origin) kept the reservation only until its TTL, then
    /// the sweeper expired it and handed its unit on, while the origin may have recorded the sale.
    /// Now the reservation waits for the origin's word (the retried confirm) up to its lease's end.
    /// </summary>
    [Fact]
    public async Task ConfirmAsync_OutcomeUnknownThenTheTtlPasses_ReservationWaitsForTheRetryInsteadOfExpiring()
    {
        // Arrange: a reservation; its confirm times out against the hung origin.
        var held = await Reserve("a", "cap");
        Assert.Equal(ReserveStatus.Created, held.Status);
        _origin.Hung = true;
        var confirming = _reservations.ConfirmAsync(Viewer("a"), held.Reservation!.Id, CancellationToken);
        await WaitUntilAsync(() => _origin.InFlight == 1);
        _time.Advance(s_callTimeout);
        var inDoubt = await confirming;

        // Act: the reservation's TTL passes (its lease has not ended), the sweeper runs, the origin is back.
        _time.Advance(TimeSpan.FromMinutes(3));
        await _reservations.SweepAsync(CancellationToken);
        _origin.Hung = false;
        _time.Advance(s_breakDuration);
        var retried = await _reservations.ConfirmAsync(Viewer("a"), held.Reservation.Id, CancellationToken);

        // Assert
        Assert.Equal(ConfirmStatus.OriginUnreachable, inDoubt.Status);
        Assert.Equal(ConfirmStatus.Confirmed, retried.Status);
        Assert.Equal(1, _inner.Sold("d1", "cap"));
    }

    /// <summary>Catches a thundering herd at recovery: every waiter (or every SKU's waiters) calling the origin at once.</summary>
    [Fact]
    public async Task ReserveAsync_ProbeAfterTheBreak_ClosesTheCircuitAndServesWithOneOriginCallAtATime()
    {
        // Arrange
        await OpenCircuitAsync();
        _origin.Hung = false;
        _time.Advance(s_breakDuration);

        // Act: 30 viewers at once when the probe is due.
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Reserve($"w{i}", "hoodie-m")));

        // Assert
        Assert.Equal(OriginCircuitState.Closed, _calls.StateOf(0));
        Assert.All(results, static r => Assert.Equal(ReserveStatus.Created, r.Status));
        Assert.Equal(1, _origin.MaxInFlight);
    }

    [Fact]
    public async Task RsvpAsync_CircuitOpen_AnswersOriginUnreachable()
    {
        // Arrange
        await OpenCircuitAsync();

        // Act
        var rsvp = await _reservations.RsvpAsync(Viewer("r"), "d1", CancellationToken);

        // Assert
        Assert.Equal(RsvpStatus.OriginUnreachable, rsvp);
        Assert.Equal(s_breakDuration, _calls.RetryAfter());
    }

    public void Dispose() => _services.Dispose();

    /// <summary>
    /// Refills time out one after the other until the circuit opens (the failure ratio over at
    /// least Origin:MinimumThroughput calls, 2: after one timeout when a success came before it).
    /// </summary>
    private async Task OpenCircuitAsync()
    {
        _origin.Hung = true;
        for (var wave = 0; _calls.StateOf(0) != OriginCircuitState.Open; wave++)
        {
            Assert.True(wave < 2, "two timeouts must open the circuit");
            // The previous wave's call ends when its timeout cancels it, a moment after its caller
            // has the answer: one call at a time here too, or MaxInFlight counts the overlap.
            await WaitUntilAsync(() => _origin.InFlight == 0);
            var waiter = Reserve("opener-" + wave, "hoodie-m");
            await WaitUntilAsync(() => _origin.InFlight == 1);
            _time.Advance(s_callTimeout);
            Assert.Equal(ReserveStatus.OriginUnreachable, (await waiter).Status);
        }
    }

    /// <summary>Lets the thread pool run the waiters up to their first wait (no clock involved: the fake clock only moves by hand).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 10_000 && !condition(); i++)
        {
            await Task.Yield();
            await Task.Delay(1, CancellationToken);
        }

        Assert.True(condition());
    }

    private Task<ReserveResult> Reserve(string viewer, string sku) => _reservations.ReserveAsync(Viewer(viewer), "d1", sku, 1, null, CancellationToken);

    private static AccessToken Viewer(string subject)
        => new(subject, "c1", new[] { Scopes.DropReserve, Scopes.DropRsvp }.ToFrozenSet(StringComparer.Ordinal), null, s_now.AddDays(1), "kid", Guid.NewGuid().ToString("N"));

    private void Publish(params (string Sku, int Allocation)[] skus)
    {
        var drop = new DropState
        {
            DropId = "d1",
            CreatorId = "c1",
            Revision = 1,
            Title = "Tour drop",
            StartsAtUnixMs = s_now.AddMinutes(-1).ToUnixTimeMilliseconds(),
            EndsAtUnixMs = s_now.AddHours(2).ToUnixTimeMilliseconds(),
            PerViewerLimit = 2,
        };
        foreach (var (sku, allocation) in skus)
        {
            _inner.AddSku("d1", sku, allocation, 2);
            drop.Skus.Add(new DropSku { SkuId = sku, Allocation = allocation });
        }

        _holder.Swap(_holder.Current.ApplySnapshot(new Snapshot { Revision = 1, Drops = { drop } }).Replica);
    }
}
