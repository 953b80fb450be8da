using System.Collections.Concurrent;
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
/// </summary>
internal sealed partial class DropReservations(
    ReplicaHolder holder,
    IDropInventoryOrigin origin,
    IOptions<DropsOptions> options,
    IOptions<EdgeOptions> edgeOptions,
    TimeProvider timeProvider,
    DropMetrics metrics,
    ILogger<DropReservations> logger)
{
    private readonly ConcurrentDictionary<(string DropId, string SkuId), LeasePool> _pools = new();
    private readonly ConcurrentDictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Creator, string Viewer, string DropId, string Key), Task<ReserveResult>> _idempotent = new();
    private readonly ConcurrentDictionary<(string DropId, string Creator, string Viewer), byte> _rsvps = new();
    private readonly Lock _viewerGate = new();
    private readonly Dictionary<(string DropId, string Creator, string Viewer), int> _viewerUnits = [];

    private DropsOptions Options => options.Value;

    public Reservation? Find(string reservationId) => _reservations.GetValueOrDefault(reservationId);

    /// <summary>This edge's lease pools (for the holds report, <see cref="Stock.HoldsReporter"/>).</summary>
    public IEnumerable<LeasePool> Pools()
    {
        foreach (var (_, pool) in _pools)
        {
            yield return pool;
        }
    }

    /// <summary>Every reservation still remembered, enumerated without locking or copying (for the holds report).</summary>
    public IEnumerable<Reservation> Reservations()
    {
        foreach (var (_, reservation) in _reservations)
        {
            yield return reservation;
        }
    }
    /// <summary>The lease pool of a SKU, made on first use: reservations and <see cref="StockPlacement"/> share it.</summary>
    public LeasePool PoolFor(string dropId, string skuId)
        => _pools.GetOrAdd((dropId, skuId), static (key, first) => new LeasePool(key.DropId, key.SkuId, first), Options.LeaseUnits);

    /// <summary>RSVPs of the drop this edge recorded or learned of (its viewers who said they would come).</summary>
    public int RsvpsOf(string dropId)
    {
        // Enumerated without locking or copying (.Keys would take every bucket lock).
        var count = 0;
        foreach (var (key, _) in _rsvps)
        {
            if (string.Equals(key.DropId, dropId, StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Units this edge can still hand out for a SKU without asking the origin.</summary>
    public int LocalFreeUnits(string dropId, string skuId)
        => _pools.TryGetValue((dropId, skuId), out var pool) ? pool.FreeUnits(timeProvider.GetUtcNow(), Options.ClockSkewMargin) : 0;

    /// <summary>Whether the viewer's units of the drop on this edge (held and bought) reach its per-viewer limit: the waiting room has nothing left to admit them to.</summary>
    public bool AtViewerLimit(AccessToken token, string dropId)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (holder.Current.FindDropFor(token, dropId) is not { } drop)
        {
            return false;
        }

        lock (_viewerGate)
        {
            return _viewerUnits.GetValueOrDefault((dropId, drop.CreatorId, token.Subject)) >= drop.PerViewerLimit;
        }
    }

    public async Task<ReserveResult> ReserveAsync(AccessToken token, string dropId, string skuId, int quantity, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (idempotencyKey is null)
        {
            return Count(await ReserveCoreAsync(token, dropId, skuId, quantity, "", cancellationToken));
        }

        // Concurrent retries with one key share one attempt; a success is replayed to later ones.
        var key = (token.CreatorId ?? "", token.Subject, dropId, idempotencyKey);
        var attempt = new TaskCompletionSource<ReserveResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var existing = _idempotent.GetOrAdd(key, attempt.Task);
        if (!ReferenceEquals(existing, attempt.Task))
        {
            ReserveResult earlier;
            try
            {
                earlier = await existing.WaitAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The earlier attempt threw (most often its own request was aborted: a client that
                // timed out and retried with the key while the edge still waited for a lease). Its
                // exception is not this request's to answer with (an OperationCanceledException of
                // another request's token would be a 500 here); it was forgotten before it failed,
                // so this retry is a new attempt.
                return await ReserveAsync(token, dropId, skuId, quantity, idempotencyKey, cancellationToken);
            }

            if (earlier.Reservation is { State: ReservationState.Released or ReservationState.Expired })
            {
                // The key's reservation ended unsold: a retry now is a new attempt.
                _idempotent.TryRemove(new KeyValuePair<(string, string, string, string), Task<ReserveResult>>(key, existing));
                return await ReserveAsync(token, dropId, skuId, quantity, idempotencyKey, cancellationToken);
            }

            if (earlier.Reservation is { } made)
            {
                return made.SkuId == skuId && made.Quantity == quantity
                    ? Count(earlier with { Replayed = true })
                    : Count(new ReserveResult(ReserveStatus.KeyReused));
            }

            // The earlier attempt failed and was forgotten: try again.
            return await ReserveAsync(token, dropId, skuId, quantity, idempotencyKey, cancellationToken);
        }

        ReserveResult result;
        try
        {
            result = await ReserveCoreAsync(token, dropId, skuId, quantity, idempotencyKey, cancellationToken);
        }
        catch (Exception ex)
        {
            _idempotent.TryRemove(new KeyValuePair<(string, string, string, string), Task<ReserveResult>>(key, attempt.Task));
            attempt.SetException(ex);
            throw;
        }

        if (result.Status != ReserveStatus.Created)
        {
            // Only a reservation is remembered: a retry after a 503 or 403 deserves a fresh answer.
            _idempotent.TryRemove(new KeyValuePair<(string, string, string, string), Task<ReserveResult>>(key, attempt.Task));
        }

        attempt.SetResult(result);
        return Count(result);
    }

    public async Task<ConfirmResult> ConfirmAsync(AccessToken token, string reservationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (Find(reservationId) is not { } reservation)
        {
            // Made by this edge before a restart (or forgotten since its drop ended): the origin
            // may hold it as a sale, and a buyer retrying their confirm is owed that sale.
            return metrics.Confirmed(await FindForgottenSaleAsync(token, reservationId, cancellationToken));
        }

        if (!reservation.IsHeldBy(token))
        {
            return metrics.Confirmed(new ConfirmResult(ConfirmStatus.NotFound));
        }

        await reservation.Gate.WaitAsync(cancellationToken);
        try
        {
            switch (reservation.State)
            {
                case ReservationState.Confirmed:
                    return new ConfirmResult(ConfirmStatus.Confirmed, reservation);
                case ReservationState.Released or ReservationState.Expired:
                    return metrics.Confirmed(new ConfirmResult(ConfirmStatus.Gone, reservation));
            }

            if (timeProvider.GetUtcNow() >= reservation.ExpiresAt && !reservation.ConfirmInDoubt)
            {
                EndUnsold(reservation, ReservationState.Expired);
                return metrics.Confirmed(new ConfirmResult(ConfirmStatus.Gone, reservation));
            }

            reservation.Confirming = true;
            try
            {
                return metrics.Confirmed(await SendConfirmAsync(reservation, cancellationToken));
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
            var reply = await origin.ConfirmSaleAsync(new ConfirmSaleRequest
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
                AddViewerUnits(reservation.DropId, reservation.Creator, reservation.Viewer, -reservation.Quantity);
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
            DropsLog.SaleRefused(logger, reservation.DropId, ex.Status.Detail);
            EndUnsold(reservation, ReservationState.Released);
            return new ConfirmResult(ConfirmStatus.Refused, reservation);
        }
        catch (OriginUnavailableException ex)
        {
            // Unknown whether the sale landed (or, with the circuit open, known not to have
            // been tried): the reservation stays held and a retry is safe (the origin confirms
            // a reservation id once).
            LogUnreachable("ConfirmSale", ex);
            reservation.ConfirmInDoubt = true;
            return new ConfirmResult(ConfirmStatus.OriginUnreachable, reservation, ex.RetryAfter);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            DropsLog.OriginCallFailed(logger, "ConfirmSale", ex.StatusCode.ToString());
            reservation.ConfirmInDoubt = true;
            return new ConfirmResult(ConfirmStatus.Unavailable, reservation);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The viewer left mid-call: the sale may have landed. The sweep settles it with the origin.
            reservation.ConfirmInDoubt = true;
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
                metrics.Released(reservation.DropId);
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
        if (holder.Current.FindDropFor(token, dropId) is not { } drop)
        {
            return RsvpStatus.NotFound;
        }

        if (DropPhases.Of(drop, timeProvider.GetUtcNow()) == DropPhase.Closed)
        {
            return RsvpStatus.Closed;
        }

        if (_rsvps.ContainsKey((dropId, drop.CreatorId, token.Subject)))
        {
            return RsvpStatus.Recorded;
        }

        try
        {
            await origin.RsvpAsync(new RsvpRequest { DropId = dropId, Viewer = token.Subject }, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return RsvpStatus.NotFound;
        }
        catch (OriginUnavailableException ex)
        {
            LogUnreachable("Rsvp", ex);
            return RsvpStatus.OriginUnreachable;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            DropsLog.OriginCallFailed(logger, "Rsvp", ex.StatusCode.ToString());
            return RsvpStatus.Unavailable;
        }

        _rsvps.TryAdd((dropId, drop.CreatorId, token.Subject), 0);
        metrics.Rsvp();
        return RsvpStatus.Recorded;
    }

    /// <summary>
    /// Ends expired reservations (their units return to the lease), gives the free units of leases
    /// no longer usable back to the origin, and forgets what is over. Run by <see cref="DropHousekeeping"/>.
    /// </summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await EvictEndedDropsAsync(now, cancellationToken);
        // Enumerating the dictionary itself takes no lock and copies nothing. (.Values takes every
        // bucket lock, stalling reservations meanwhile, and copies all entries into one array, tens
        // of thousands during a drop, hence a large-object-heap allocation every sweep.)
        foreach (var (_, reservation) in _reservations)
        {
            if (reservation.ConfirmInDoubt && reservation.State == ReservationState.Held && !reservation.Confirming)
            {
                // Not awaited: a hung origin holds each call up to Origin:CallTimeout, and the sweep must go on.
                SettleInDoubt(reservation);
            }

            // A reservation whose confirm is in doubt waits for its lease to end: by then the origin
            // accepts no sale under it, so whatever landed has landed.
            if (reservation.State == ReservationState.Held && !reservation.Confirming && now >= reservation.ExpiresAt
                && (!reservation.ConfirmInDoubt || now >= reservation.Lease.ExpiresAt) && reservation.Gate.Wait(0, cancellationToken))
            {
                try
                {
                    if (reservation.State == ReservationState.Held)
                    {
                        EndUnsold(reservation, ReservationState.Expired);
                        metrics.Expired(reservation.DropId);
                    }
                }
                finally
                {
                    reservation.Gate.Release();
                }
            }

            // Ended reservations are kept a while (confirm and release stay idempotent), then forgotten.
            if (reservation.State is ReservationState.Released or ReservationState.Expired && now >= reservation.ExpiresAt + Options.ReservationTtl)
            {
                _reservations.TryRemove(reservation.Id, out _);
                if (reservation.IdempotencyKey.Length > 0)
                {
                    _idempotent.TryRemove((reservation.Creator, reservation.Viewer, reservation.DropId, reservation.IdempotencyKey), out _);
                }
            }
        }

        foreach (var (_, pool) in _pools)
        {
            foreach (var (lease, units) in pool.CollectUnusable(now, Options.ReservationTtl, Options.ClockSkewMargin))
            {
                await ReturnAsync(lease, units, cancellationToken);
            }
        }
    }

    private async Task ReturnAsync(InventoryLease lease, int units, CancellationToken cancellationToken)
    {
        try
        {
            await origin.ReturnLeaseAsync(new ReturnLeaseRequest { LeaseId = lease.Id, Units = units }, cancellationToken);
            metrics.UnitsReturned(units);
        }
        catch (OriginUnavailableException ex)
        {
            // Not lost: the origin takes the units back when the lease expires.
            LogUnreachable("ReturnLease", ex);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            DropsLog.OriginCallFailed(logger, "ReturnLease", ex.StatusCode.ToString());
        }
    }

    // ValueTask: the common path (units in a local lease) completes synchronously and allocates no task.
    private async ValueTask<ReserveResult> ReserveCoreAsync(AccessToken token, string dropId, string skuId, int quantity, string idempotencyKey, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (holder.Current.FindDropFor(token, dropId) is not { } drop)
        {
            return new ReserveResult(ReserveStatus.NotFound);
        }

        DropSku? sku = null;
        foreach (var candidate in drop.Skus)
        {
            if (string.Equals(candidate.SkuId, skuId, StringComparison.Ordinal))
            {
                sku = candidate;
                break;
            }
        }

        if (sku is null)
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
                eligible = drop.EarlyAccessMinutes > 0 && await IsEarlyAudienceAsync(token, drop, cancellationToken);
            }
            catch (OriginUnavailableException ex)
            {
                LogUnreachable("HasRsvp", ex);
                return new ReserveResult(ReserveStatus.OriginUnreachable, RetryAfter: ex.RetryAfter);
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                DropsLog.OriginCallFailed(logger, "HasRsvp", ex.StatusCode.ToString());
                return new ReserveResult(ReserveStatus.Unavailable, RetryAfter: TimeSpan.FromSeconds(1));
            }

            if (phase == DropPhase.Scheduled || !eligible)
            {
                return new ReserveResult(ReserveStatus.NotOpen, OpensAt: eligible ? DropPhases.EarlyAccessFrom(drop) : DropPhases.StartsAt(drop));
            }
        }

        if (!TryAddViewerUnits(dropId, drop.CreatorId, token.Subject, quantity, drop.PerViewerLimit))
        {
            return new ReserveResult(ReserveStatus.OverLimit);
        }

        var pool = _pools.GetOrAdd((dropId, skuId), static (key, first) => new LeasePool(key.DropId, key.SkuId, first), Options.LeaseUnits);
        ((InventoryLease Lease, DateTimeOffset ExpiresAt)? Hold, ReserveResult? Result) taken;
        try
        {
            taken = await TakeAsync(pool, quantity, cancellationToken);
        }
        catch
        {
            // The viewer left while the edge waited for a lease (or the wait failed): nothing is
            // held for them, so their per-viewer count must not stay raised.
            AddViewerUnits(dropId, drop.CreatorId, token.Subject, -quantity);
            throw;
        }

        if (taken.Result is not null)
        {
            AddViewerUnits(dropId, drop.CreatorId, token.Subject, -quantity);
            return taken.Result;
        }

        var (lease, expiresAt) = taken.Hold!.Value;
        var reservation = new Reservation(NewId(), dropId, skuId, quantity, drop.CreatorId, token.Subject, idempotencyKey, pool, lease, expiresAt);
        _reservations[reservation.Id] = reservation;
        return new ReserveResult(ReserveStatus.Created, reservation);
    }

    /// <summary>
    /// Takes units from a local lease; when none has enough, awaits the pool's one refill from the
    /// origin (starting it if none runs) and tries again. Every waiter of a refill gets its outcome
    /// at the same moment: a hung origin costs them one call timeout together, an open circuit
    /// nothing. A waiter whose units went to others starts or joins the next refill.
    /// </summary>
    private async ValueTask<((InventoryLease Lease, DateTimeOffset ExpiresAt)? Hold, ReserveResult? Result)> TakeAsync(LeasePool pool, int quantity, CancellationToken cancellationToken)
    {
        var ttl = Options.ReservationTtl;
        var margin = Options.ClockSkewMargin;
        if (Options.ReserveAtOrigin)
        {
            return await TakeAtOriginAsync(pool, quantity, cancellationToken);
        }

        if (pool.TryTake(quantity, timeProvider.GetUtcNow(), ttl, margin) is { } local)
        {
            return (local, null);
        }

        // Counted until this reservation leaves, across refills: each refill asks for every waiter.
        pool.Wait(quantity);
        try
        {
            return await TakeFromRefillsAsync(pool, quantity, cancellationToken);
        }
        finally
        {
            pool.StopWaiting(quantity);
        }
    }

    private async Task<((InventoryLease Lease, DateTimeOffset ExpiresAt)? Hold, ReserveResult? Result)> TakeFromRefillsAsync(LeasePool pool, int quantity, CancellationToken cancellationToken)
    {
        var ttl = Options.ReservationTtl;
        var margin = Options.ClockSkewMargin;
        DateTimeOffset? surplusUntil = null;
        while (true)
        {
            if (pool.TryTake(quantity, timeProvider.GetUtcNow(), ttl, margin) is { } hold)
            {
                return (hold, null);
            }

            var (refill, owner) = pool.JoinRefill();
            if (owner is not null)
            {
                // Detached from this request: the others waiting on it must not lose it if this viewer leaves.
                _ = RefillAsync(pool, quantity, owner);
            }

            AcquireLeaseReply reply;
            try
            {
                reply = await refill.WaitAsync(cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                return (null, new ReserveResult(ReserveStatus.NotFound));
            }
            catch (OriginUnavailableException ex)
            {
                return (null, new ReserveResult(ReserveStatus.OriginUnreachable, RetryAfter: ex.RetryAfter));
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // FailedPrecondition: the origin's clock says the drop is not selling (yet, or any
                // more); the replica will catch up. No unit can be had now, and the answer says so.
                return (null, new ReserveResult(ReserveStatus.Unavailable, RetryAfter: TimeSpan.FromSeconds(1)));
            }

            var now = timeProvider.GetUtcNow();
            if (reply.LeaseId.Length == 0)
            {
                if (reply.Stock is { } stock && stock.Sold + quantity > stock.Allocation)
                {
                    return (null, new ReserveResult(ReserveStatus.SoldOut));
                }

                surplusUntil ??= now + Options.SurplusWait;
                if (await SurplusWait.WaitAsync(holder, pool, quantity, reply.Stock, surplusUntil.Value, timeProvider, cancellationToken))
                {
                    continue;
                }

                var retry = reply.NextExpiryUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(reply.NextExpiryUnixMs) - now : TimeSpan.FromSeconds(1);
                return (null, new ReserveResult(ReserveStatus.Unavailable, RetryAfter: retry < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retry));
            }

            if (DateTimeOffset.FromUnixTimeMilliseconds(reply.ExpiresAtUnixMs) - margin - now < ttl / 2)
            {
                // The lease is too short to hold a reservation with this edge's TTL and margin
                // (the refill's owner logged it); another refill would get the same.
                return (null, new ReserveResult(ReserveStatus.Unavailable, RetryAfter: TimeSpan.FromSeconds(1)));
            }

            // A usable lease arrived but others took its units first: the loop tries it, then the next refill.
        }
    }

    /// <summary>
    /// The one origin call of a refill: adds the lease it gets to the pool, then completes the
    /// refill for every waiter (with the reply or the failure). Never throws.
    /// </summary>
    private async Task RefillAsync(LeasePool pool, int quantity, TaskCompletionSource<AcquireLeaseReply> owner)
    {
        try
        {
            await EnsureReclaimedAsync();

            // No request's token: the call is bounded by Origin:CallTimeout and shared by every waiter.
            var (units, wanted) = pool.NextRequest(quantity, Options.MaxLeaseUnits, timeProvider.GetUtcNow(), Options.ClockSkewMargin);
            var reply = await origin.AcquireLeaseAsync(new AcquireLeaseRequest
            {
                DropId = pool.DropId,
                SkuId = pool.SkuId,
                EdgeId = edgeOptions.Value.Id,
                Units = units,
                MinUnits = quantity,
                WantedUnits = wanted,
            }, CancellationToken.None);
            if (reply.LeaseId.Length > 0)
            {
                metrics.LeaseAcquired(reply.Units);
                var lease = new InventoryLease(reply.LeaseId, reply.Units, DateTimeOffset.FromUnixTimeMilliseconds(reply.ExpiresAtUnixMs));
                pool.Add(lease);
                if (lease.ExpiresAt - Options.ClockSkewMargin - timeProvider.GetUtcNow() < Options.ReservationTtl / 2)
                {
                    DropsLog.LeaseTooShort(logger, pool.DropId, reply.ExpiresAtUnixMs);
                }
            }

            pool.EndRefill(owner);
            owner.SetResult(reply);
        }
        catch (Exception ex)
        {
            switch (ex)
            {
                case OriginUnavailableException unreachable:
                    LogUnreachable("AcquireLease", unreachable);
                    break;
                case RpcException rpc when rpc.StatusCode != StatusCode.NotFound:
                    DropsLog.OriginCallFailed(logger, "AcquireLease", rpc.StatusCode.ToString());
                    break;
            }

            pool.EndRefill(owner);
            owner.SetException(ex);
        }
    }

    /// <summary>The benchmark baseline: every reservation is its own origin write, never shared or serialized.</summary>
    private async ValueTask<((InventoryLease Lease, DateTimeOffset ExpiresAt)? Hold, ReserveResult? Result)> TakeAtOriginAsync(LeasePool pool, int quantity, CancellationToken cancellationToken)
    {
        AcquireLeaseReply reply;
        try
        {
            await EnsureReclaimedAsync();
            reply = await origin.AcquireLeaseAsync(new AcquireLeaseRequest
            {
                DropId = pool.DropId,
                SkuId = pool.SkuId,
                EdgeId = edgeOptions.Value.Id,
                Units = quantity,
                MinUnits = quantity,
            }, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return (null, new ReserveResult(ReserveStatus.NotFound));
        }
        catch (OriginUnavailableException ex)
        {
            return (null, new ReserveResult(ReserveStatus.OriginUnreachable, RetryAfter: ex.RetryAfter));
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            DropsLog.OriginCallFailed(logger, "AcquireLease", ex.StatusCode.ToString());
            return (null, new ReserveResult(ReserveStatus.Unavailable, RetryAfter: TimeSpan.FromSeconds(1)));
        }

        if (reply.LeaseId.Length == 0)
        {
            return reply.Stock is { } stock && stock.Sold + quantity > stock.Allocation
                ? (null, new ReserveResult(ReserveStatus.SoldOut))
                : (null, new ReserveResult(ReserveStatus.Unavailable, RetryAfter: TimeSpan.FromSeconds(1)));
        }

        metrics.LeaseAcquired(reply.Units);
        var lease = new InventoryLease(reply.LeaseId, reply.Units, DateTimeOffset.FromUnixTimeMilliseconds(reply.ExpiresAtUnixMs)) { Held = quantity };
        var end = timeProvider.GetUtcNow() + Options.ReservationTtl;
        var usableUntil = lease.ExpiresAt - Options.ClockSkewMargin;
        return ((lease, end < usableUntil ? end : usableUntil), null);
    }

    private async Task<bool> IsEarlyAudienceAsync(AccessToken token, DropState drop, CancellationToken cancellationToken)
    {
        var audience = drop.EarlyAccessAudience;
        if (audience.StartsWith("tier:", StringComparison.Ordinal))
        {
            // A tier is a membership of the token's own creator: it never opens another creator's drop.
            return token.IsViewerOf(drop.CreatorId) && token.Tier is { } tier && string.Equals(tier, audience["tier:".Length..], StringComparison.Ordinal);
        }

        if (audience != "rsvp")
        {
            return false;
        }

        if (_rsvps.ContainsKey((drop.DropId, drop.CreatorId, token.Subject)))
        {
            return true;
        }

        // RSVPed through another edge: the origin knows. Positive answers are kept (an RSVP is never withdrawn).
        var reply = await origin.HasRsvpAsync(new RsvpRequest { DropId = drop.DropId, Viewer = token.Subject }, cancellationToken);
        if (reply.Rsvped)
        {
            _rsvps.TryAdd((drop.DropId, drop.CreatorId, token.Subject), 0);
        }

        return reply.Rsvped;
    }

    /// <summary>
    /// An unreachable origin is logged when a call found it so (a timeout or the last replica's
    /// failure); refusals by an open circuit are not, since each transition already has its line.
    /// </summary>
    private void LogUnreachable(string call, OriginUnavailableException exception)
    {
        if (!exception.CircuitOpen)
        {
            DropsLog.OriginCallFailed(logger, call, exception.InnerException switch
            {
                RpcException rpc => rpc.StatusCode.ToString(),
                _ => "Timeout",
            });
        }
    }

    private void EndUnsold(Reservation reservation, ReservationState state)
    {
        reservation.State = state;
        reservation.Pool.Release(reservation.Lease, reservation.Quantity);
        AddViewerUnits(reservation.DropId, reservation.Creator, reservation.Viewer, -reservation.Quantity);
    }

    private bool TryAddViewerUnits(string dropId, string creator, string viewer, int quantity, int limit)
    {
        lock (_viewerGate)
        {
            var held = _viewerUnits.GetValueOrDefault((dropId, creator, viewer));
            if (held + quantity > limit)
            {
                return false;
            }

            _viewerUnits[(dropId, creator, viewer)] = held + quantity;
            return true;
        }
    }

    private void AddViewerUnits(string dropId, string creator, string viewer, int delta)
    {
        lock (_viewerGate)
        {
            var units = _viewerUnits.GetValueOrDefault((dropId, creator, viewer)) + delta;
            if (units <= 0)
            {
                _viewerUnits.Remove((dropId, creator, viewer));
            }
            else
            {
                _viewerUnits[(dropId, creator, viewer)] = units;
            }
        }
    }

    private ReserveResult Count(ReserveResult result)
    {
        metrics.Reserved(result.Status, result.Replayed, result.Reservation?.DropId);
        return result;
    }

    private string NewId() => edgeOptions.Value.Id + "." + Guid.NewGuid().ToString("N");
}
