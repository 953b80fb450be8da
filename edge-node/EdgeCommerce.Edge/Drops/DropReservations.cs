using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// Reservations on this edge, inside units leased from the origin (the escrow method): a viewer's
/// reservation never waits for the origin while the edge holds free units, and the origin's
/// invariant <c>sold + leased ≤ allocation</c> bounds what every edge together can promise.
/// Drop definitions and phases come from the replica (the sync stream); RSVPs and sales go to the
/// origin, so early access and per-viewer limits hold across edges. A viewer is the pair
/// (creator, <c>sub</c>) everywhere here (idempotency keys, per-viewer counts, RSVPs, reservations),
/// and a token acts only on its own creator's drops (<see cref="DropTenancy"/>): another creator's
/// drop is "not found" and nothing is recorded.
/// <para>This type coordinates the edge's drop state and keeps the reservations themselves (their
/// confirm, release and expiry); each other part has one job and forgets an ended drop's state:
/// <see cref="DropLeasePools"/> the leases, <see cref="ReservationKeys"/> the idempotency table,
/// <see cref="ViewerAllowance"/> the per-viewer counts, <see cref="DropRsvps"/> RSVPs and early access.</para>
/// </summary>
internal sealed partial class DropReservations
{
    private readonly ReplicaHolder _holder;
    private readonly IDropInventoryOrigin _origin;
    private readonly IOptions<DropsOptions> _options;
    private readonly IOptions<EdgeOptions> _edgeOptions;
    private readonly TimeProvider _timeProvider;
    private readonly DropMetrics _metrics;
    private readonly ILogger<DropReservations> _logger;
    private readonly ConcurrentDictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);

    /// <summary>When the sweep next has to look at each reservation: it touches only those due.</summary>
    private readonly ReservationDeadlines _deadlines = new();

    /// <summary>Held reservations whose confirm is in doubt: the sweep re-sends their confirms without walking every reservation.</summary>
    private readonly ConcurrentDictionary<string, Reservation> _inDoubt = new(StringComparer.Ordinal);

    /// <summary>Every drop with a reservation here (sales looked up after a restart have no pool): the drops eviction checks.</summary>
    private readonly ConcurrentDictionary<string, byte> _reservedDrops = new(StringComparer.Ordinal);
    private readonly ReservationKeys _keys = new();
    private readonly ViewerAllowance _allowance = new();
    private readonly DropRsvps _rsvps;

    public DropReservations(
        ReplicaHolder holder,
        IDropInventoryOrigin origin,
        IOptions<DropsOptions> options,
        IOptions<EdgeOptions> edgeOptions,
        TimeProvider timeProvider,
        DropMetrics metrics,
        ILogger<DropReservations> logger)
    {
        _holder = holder;
        _origin = origin;
        _options = options;
        _edgeOptions = edgeOptions;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _rsvps = new DropRsvps(origin, metrics, logger);
        Leases = new DropLeasePools(holder, origin, options, edgeOptions, timeProvider, metrics, logger);
    }

    /// <summary>This edge's lease pools (shared with <see cref="StockPlacement"/>, the holds report and the waiting room).</summary>
    public DropLeasePools Leases { get; }

    private DropsOptions Options => _options.Value;

    public Reservation? Find(string reservationId) => _reservations.GetValueOrDefault(reservationId);

    /// <summary>This edge's lease pools (for the holds report, <see cref="Stock.HoldsReporter"/>).</summary>
    public IEnumerable<LeasePool> Pools() => Leases.All();

    /// <summary>The lease pool of a SKU, made on first use: reservations and <see cref="StockPlacement"/> share it.</summary>
    public LeasePool PoolFor(string dropId, string skuId) => Leases.For(dropId, skuId);

    /// <summary>RSVPs of the drop this edge recorded or learned of (its viewers who said they would come).</summary>
    public int RsvpsOf(string dropId) => _rsvps.CountFor(dropId);

    /// <summary>Whether the viewer's units of the drop on this edge (held and bought) reach its per-viewer limit: the waiting room has nothing left to admit them to.</summary>
    public bool AtViewerLimit(AccessToken token, string dropId)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _holder.Current.FindDropFor(token, dropId) is { } drop && _allowance.AtLimit(dropId, drop.CreatorId, token.Subject, drop.PerViewerLimit);
    }

    public async Task<ReserveResult> ReserveAsync(AccessToken token, string dropId, string skuId, int quantity, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (idempotencyKey is null)
        {
            return Count(await ReserveCoreAsync(token, dropId, skuId, quantity, "", cancellationToken));
        }

        return Count(await _keys.ReserveOnceAsync((token.CreatorId ?? "", token.Subject, dropId, idempotencyKey), skuId, quantity,
            (Reservations: this, Token: token, DropId: dropId, SkuId: skuId, Quantity: quantity, Key: idempotencyKey),
            static (state, ct) => state.Reservations.ReserveCoreAsync(state.Token, state.DropId, state.SkuId, state.Quantity, state.Key, ct),
            cancellationToken));
    }

    public async Task<ConfirmResult> ConfirmAsync(AccessToken token, string reservationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (Find(reservationId) is not { } reservation)
        {
            // Made by this edge before a restart (or forgotten since its drop ended): the origin
            // may hold it as a sale, and a buyer retrying their confirm is owed that sale.
            return _metrics.Confirmed(await FindForgottenSaleAsync(token, reservationId, cancellationToken));
        }

        if (!reservation.IsHeldBy(token))
        {
            return _metrics.Confirmed(new ConfirmResult(ConfirmStatus.NotFound));
        }

        await reservation.Gate.WaitAsync(cancellationToken);
        try
        {
            switch (reservation.State)
            {
                case ReservationState.Confirmed:
                    return new ConfirmResult(ConfirmStatus.Confirmed, reservation);
                case ReservationState.Released or ReservationState.Expired:
                    return _metrics.Confirmed(new ConfirmResult(ConfirmStatus.Gone, reservation));
            }

            if (_timeProvider.GetUtcNow() >= reservation.ExpiresAt && !reservation.ConfirmInDoubt)
            {
                EndUnsold(reservation, ReservationState.Expired);
                return _metrics.Confirmed(new ConfirmResult(ConfirmStatus.Gone, reservation));
            }

            reservation.Confirming = true;
            try
            {
                return _metrics.Confirmed(await SendConfirmAsync(reservation, cancellationToken));
            }
            finally
            {
                reservation.Confirming = false;
            }
        }
        finally
        {
            reservation.Gate.Release();
        }
    }

    /// <summary>
    /// Asks the origin to commit <paramref name="reservation"/> and applies its answer. The caller
    /// holds the reservation's gate and has set <see cref="Reservation.Confirming"/>. A definitive
    /// answer settles it for good (the origin records a reservation id once, and each refusal is
    /// final: an expired lease, a lease with no unit left, a limit reached, a cancelled or ended
    /// drop), so re-sending it also settles a confirm whose first answer was lost.
    /// </summary>
    private async Task<ConfirmResult> SendConfirmAsync(Reservation reservation, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await _origin.ConfirmSaleAsync(new ConfirmSaleRequest
            {
                LeaseId = reservation.Lease.Id,
                ReservationId = reservation.Id,
                DropId = reservation.DropId,
                SkuId = reservation.SkuId,
                Quantity = reservation.Quantity,
                Viewer = reservation.Viewer,
                IdempotencyKey = reservation.IdempotencyKey,
            }, cancellationToken);
            if (reply.Duplicate)
            {
                // A retry of a reservation already sold (through this edge before a restart, or
                // another edge): nothing new was sold, so these units go back to the lease.
                reservation.DuplicateOf = reply.ReservationId;
                reservation.Pool.Release(reservation.Lease, reservation.Quantity);
                _allowance.GiveBack(reservation.DropId, reservation.Creator, reservation.Viewer, reservation.Quantity);
            }
            else
            {
                reservation.Pool.Sell(reservation.Lease, reservation.Quantity);
            }

            reservation.State = ReservationState.Confirmed;
            reservation.ConfirmInDoubt = false;
            return new ConfirmResult(ConfirmStatus.Confirmed, reservation);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.ResourceExhausted)
        {
            EndUnsold(reservation, ReservationState.Released);
            return new ConfirmResult(ConfirmStatus.OverLimit, reservation);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound)
        {
            DropsLog.SaleRefused(_logger, reservation.DropId, ex.Status.Detail);
            EndUnsold(reservation, ReservationState.Released);
            return new ConfirmResult(ConfirmStatus.Refused, reservation);
        }
        catch (OriginUnavailableException ex)
        {
            // Unknown whether the sale landed (or, with the circuit open, known not to have
            // been tried): the reservation stays held and a retry is safe (the origin confirms
            // a reservation id once).
            DropsLog.Unreachable(_logger, "ConfirmSale", ex);
            MarkInDoubt(reservation);
            return new ConfirmResult(ConfirmStatus.OriginUnreachable, reservation, ex.RetryAfter);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            DropsLog.OriginCallFailed(_logger, "ConfirmSale", ex.StatusCode.ToString());
            MarkInDoubt(reservation);
            return new ConfirmResult(ConfirmStatus.Unavailable, reservation);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The viewer left mid-call: the sale may have landed. The sweep settles it with the origin.
            MarkInDoubt(reservation);
            throw;
        }
    }

    /// <summary>Releases a held reservation. False when there is none for this viewer; a confirmed one stays confirmed.</summary>
    public async Task<ConfirmResult> ReleaseAsync(AccessToken token, string reservationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (Find(reservationId) is not { } reservation)
        {
            // A sale the origin holds stays a sale (409), whatever this edge forgot.
            var forgotten = await FindForgottenSaleAsync(token, reservationId, cancellationToken);
            return forgotten.Status == ConfirmStatus.Confirmed ? forgotten : new ConfirmResult(ConfirmStatus.NotFound);
        }

        if (!reservation.IsHeldBy(token))
        {
            return new ConfirmResult(ConfirmStatus.NotFound);
        }

        await reservation.Gate.WaitAsync(cancellationToken);
        try
        {
            if (reservation.State == ReservationState.Held && reservation.ConfirmInDoubt)
            {
                // Its confirm may have landed: released now, the viewer would be told so while the
                // origin holds their sale. The origin's answer to the confirm they sent decides.
                reservation.Confirming = true;
                try
                {
                    if (await SendConfirmAsync(reservation, cancellationToken) is { Status: ConfirmStatus.OriginUnreachable or ConfirmStatus.Unavailable } unsettled)
                    {
                        return unsettled;
                    }
                }
                finally
                {
                    reservation.Confirming = false;
                }
            }

            if (reservation.State == ReservationState.Held)
            {
                EndUnsold(reservation, ReservationState.Released);
                _metrics.Released(reservation.DropId);
            }

            return new ConfirmResult(reservation.State == ReservationState.Confirmed ? ConfirmStatus.Confirmed : ConfirmStatus.Gone, reservation);
        }
        finally
        {
            reservation.Gate.Release();
        }
    }

    public async Task<RsvpStatus> RsvpAsync(AccessToken token, string dropId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_holder.Current.FindDropFor(token, dropId) is not { } drop)
        {
            return RsvpStatus.NotFound;
        }

        return DropPhases.Of(drop, _timeProvider.GetUtcNow()) == DropPhase.Closed ? RsvpStatus.Closed : await _rsvps.RsvpAsync(token, drop, cancellationToken);
    }

    /// <summary>
    /// Ends expired reservations (their units return to the lease), re-sends confirms in doubt,
    /// gives the free units of leases no longer usable back to the origin, and forgets what is
    /// over. Run by <see cref="DropHousekeeping"/>. It touches only the reservations due
    /// (<see cref="ReservationDeadlines"/>) and those in doubt, not every one remembered.
    /// </summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var now = _timeProvider.GetUtcNow();
        await EvictEndedDropsAsync(now, cancellationToken);
        SettleInDoubt();
        var examined = 0;
        List<Reservation>? busy = null;
        try
        {
            while (_deadlines.TryTakeDue(now, out var reservation))
            {
                examined++;
                // Still due at the next sweep unless visiting it says otherwise (and if it throws).
                DateTimeOffset? next = null;
                var again = true;
                try
                {
                    next = ReferenceEquals(Find(reservation.Id), reservation) ? Visit(reservation, now) : null;
                    again = next == now;
                }
                finally
                {
                    if (again)
                    {
                        (busy ??= []).Add(reservation);
                    }
                    else if (next is { } at)
                    {
                        _deadlines.Later(reservation, at);
                    }
                }
            }
        }
        finally
        {
            // Due now still: put back after the loop (which would take them again), for the next sweep.
            foreach (var reservation in busy ?? [])
            {
                _deadlines.Later(reservation, now);
            }
        }

        await Leases.ReturnUnusableAsync(now, cancellationToken);
        _metrics.Swept(examined, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>A reservation whose deadline came: expires it if it is held, forgets it once ended a TTL ago. Returns when it is next due (null: never again; <paramref name="now"/>: at the next sweep).</summary>
    private DateTimeOffset? Visit(Reservation reservation, DateTimeOffset now)
    {
        if (reservation.State == ReservationState.Held)
        {
            // A reservation whose confirm is in doubt waits for its lease to end: by then the
            // origin accepts no sale under it, so whatever landed has landed.
            if (reservation.ConfirmInDoubt && now < reservation.Lease.ExpiresAt)
            {
                return reservation.Lease.ExpiresAt;
            }

            // A call holds it (a confirm, a release): its outcome decides; looked at again next sweep.
            if (reservation.Confirming || !reservation.Gate.Wait(0))
            {
                return now;
            }

            try
            {
                if (reservation.State == ReservationState.Held)
                {
                    if (reservation.ConfirmInDoubt && now < reservation.Lease.ExpiresAt)
                    {
                        return reservation.Lease.ExpiresAt;
                    }

                    EndUnsold(reservation, ReservationState.Expired);
                    _metrics.Expired(reservation.DropId);
                }
            }
            finally
            {
                reservation.Gate.Release();
            }
        }

        if (reservation.State is not (ReservationState.Released or ReservationState.Expired))
        {
            // Confirmed: kept (confirm stays idempotent) until its drop is over.
            return null;
        }

        // Ended reservations are kept a while (confirm and release stay idempotent), then forgotten.
        var forgetAt = reservation.ExpiresAt + Options.ReservationTtl;
        if (now < forgetAt)
        {
            return forgetAt;
        }

        _reservations.TryRemove(new KeyValuePair<string, Reservation>(reservation.Id, reservation));
        _keys.Forget(reservation);
        return null;
    }

    /// <summary>Remembers a reservation: found by id, due for the sweep at its expiry, its drop checked for eviction.</summary>
    private Reservation Remember(Reservation reservation)
    {
        _reservations[reservation.Id] = reservation;
        _deadlines.Add(reservation);
        reservation.Lease.Made(reservation);
        // After the map (see EvictEndedDropsAsync). Read first: the drop is almost always known,
        // and a read takes no lock.
        if (!_reservedDrops.ContainsKey(reservation.DropId))
        {
            _reservedDrops.TryAdd(reservation.DropId, 0);
        }

        return reservation;
    }

    /// <summary>The confirm's outcome is unknown: the sweep re-sends it until the origin settles it.</summary>
    private void MarkInDoubt(Reservation reservation)
    {
        reservation.ConfirmInDoubt = true;
        _inDoubt.TryAdd(reservation.Id, reservation);
    }

    // ValueTask: the common path (units in a local lease) completes synchronously and allocates no task.
    private async ValueTask<ReserveResult> ReserveCoreAsync(AccessToken token, string dropId, string skuId, int quantity, string idempotencyKey, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        if (_holder.Current.FindDropFor(token, dropId) is not { } drop)
        {
            return new ReserveResult(ReserveStatus.NotFound);
        }

        if (Withdrawal.SkuOf(drop, skuId) is not { } sku)
        {
            return new ReserveResult(ReserveStatus.UnknownSku);
        }

        var phase = DropPhases.Of(drop, now);
        if (phase == DropPhase.Closed)
        {
            return new ReserveResult(ReserveStatus.Closed);
        }

        // Sold only grows, so a replica that says too few units are unsold is right for good.
        if (phase == DropPhase.SoldOut || sku.Sold + quantity > sku.Allocation)
        {
            return new ReserveResult(ReserveStatus.SoldOut);
        }

        if (quantity > drop.PerViewerLimit)
        {
            return new ReserveResult(ReserveStatus.OverLimit);
        }

        if (phase is DropPhase.Scheduled or DropPhase.EarlyAccess)
        {
            bool eligible;
            try
            {
                eligible = drop.EarlyAccessMinutes > 0 && await _rsvps.IsEarlyAudienceAsync(token, drop, cancellationToken);
            }
            catch (OriginUnavailableException ex)
            {
                DropsLog.Unreachable(_logger, "HasRsvp", ex);
                return new ReserveResult(ReserveStatus.OriginUnreachable, RetryAfter: ex.RetryAfter);
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                DropsLog.OriginCallFailed(_logger, "HasRsvp", ex.StatusCode.ToString());
                return new ReserveResult(ReserveStatus.Unavailable, RetryAfter: TimeSpan.FromSeconds(1));
            }

            if (phase == DropPhase.Scheduled || !eligible)
            {
                return new ReserveResult(ReserveStatus.NotOpen, OpensAt: eligible ? DropPhases.EarlyAccessFrom(drop) : DropPhases.StartsAt(drop));
            }
        }

        if (!_allowance.TryTake(dropId, drop.CreatorId, token.Subject, quantity, drop.PerViewerLimit))
        {
            return new ReserveResult(ReserveStatus.OverLimit);
        }

        var pool = Leases.For(dropId, skuId);
        ((InventoryLease Lease, DateTimeOffset ExpiresAt)? Hold, ReserveResult? Result) taken;
        try
        {
            taken = await Leases.TakeAsync(pool, quantity, cancellationToken);
        }
        catch
        {
            // The viewer left while the edge waited for a lease (or the wait failed): nothing is
            // held for them, so their per-viewer count must not stay raised.
            _allowance.GiveBack(dropId, drop.CreatorId, token.Subject, quantity);
            throw;
        }

        if (taken.Result is not null)
        {
            _allowance.GiveBack(dropId, drop.CreatorId, token.Subject, quantity);
            return taken.Result;
        }

        var (lease, expiresAt) = taken.Hold!.Value;
        if (cancellationToken.IsCancellationRequested)
        {
            // The viewer left before their units came (a lease can arrive before the edge has seen
            // the abort): nobody would hear of this reservation, yet it would hold the units and
            // the viewer's per-viewer count until its TTL (their next attempt answered 429).
            pool.Release(lease, quantity);
            _allowance.GiveBack(dropId, drop.CreatorId, token.Subject, quantity);
            cancellationToken.ThrowIfCancellationRequested();
        }

        var reservation = Remember(new Reservation(NewId(), dropId, skuId, quantity, drop.CreatorId, token.Subject, idempotencyKey, pool, lease, expiresAt));
        return new ReserveResult(ReserveStatus.Created, reservation);
    }

    private void EndUnsold(Reservation reservation, ReservationState state)
    {
        reservation.State = state;
        reservation.Pool.Release(reservation.Lease, reservation.Quantity);
        _allowance.GiveBack(reservation.DropId, reservation.Creator, reservation.Viewer, reservation.Quantity);
    }

    private ReserveResult Count(ReserveResult result)
    {
        _metrics.Reserved(result.Status, result.Replayed, result.Reservation?.DropId);
        return result;
    }

    /// <summary>The edge's id, a dot and a random GUID's 32 hex digits, written in one string (no GUID string to concatenate).</summary>
    private string NewId()
        => string.Create(_edgeOptions.Value.Id.Length + 33, (EdgeId: _edgeOptions.Value.Id, Guid: Guid.NewGuid()), static (chars, state) =>
        {
            state.EdgeId.CopyTo(chars);
            chars[state.EdgeId.Length] = '.';
            state.Guid.TryFormat(chars[(state.EdgeId.Length + 1)..], out _, "N");
        });
}
