using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// What a crash, a lost answer or an ended drop would otherwise leave behind. This edge keeps no
/// journal: everything here is rebuilt from the origin, which holds every lease and sale.
/// <list type="bullet">
/// <item>Before the first lease of this process (<see cref="DropLeasePools.EnsureReclaimedAsync"/>), every unexpired lease the origin still holds for
/// this edge gives back its unsold units (<c>ReclaimLeases</c>): reservations of a killed process
/// died with it, so their units are free again within a second of the restart instead of when
/// the lease ends, and no unit of an old lease is handed out twice.</item>
/// <item>A confirm or release of a reservation this edge no longer knows asks the origin for the
/// sale (<c>FindSale</c>): a buyer retrying their confirm after a restart gets their sale, not 404.</item>
/// <item>A confirm whose answer was lost is re-sent by the sweep until the origin settles it.</item>
/// <item>Once a drop is over, everything this edge holds for it is forgotten.</item>
/// </list>
/// </summary>
internal sealed partial class DropReservations
{
    /// <summary>How long after its <c>endsAt</c> (plus the clock-skew margin) a drop's state is kept: confirms sent just before the end get their answers first.</summary>
    private static readonly TimeSpan s_endedGrace = TimeSpan.FromSeconds(30);

    /// <summary>Whether this process has given back what an earlier one left in its leases (then it may lease).</summary>
    public bool Reclaimed => Leases.Reclaimed;

    /// <summary>How many drops' lease pools, reservations, idempotency keys, RSVPs and per-viewer counts this edge keeps (what eviction must bound).</summary>
    public (int Pools, int Reservations, int Keys, int Rsvps, int ViewerCounts) Tracked()
        => (Leases.Count, _reservations.Count, _keys.Count, _rsvps.Count, _allowance.Count);

    /// <inheritdoc cref="DropLeasePools.EnsureReclaimedAsync"/>
    public ValueTask EnsureReclaimedAsync() => Leases.EnsureReclaimedAsync();

    /// <summary>
    /// A reservation id this edge does not know: one it made before a restart (or forgot once its
    /// drop was over) may be a sale at the origin. Only this edge's ids are asked for, and only
    /// the sale's own viewer (creator and <c>sub</c>) gets it; anyone else gets "not found".
    /// </summary>
    private async Task<ConfirmResult> FindForgottenSaleAsync(AccessToken token, string reservationId, CancellationToken cancellationToken)
    {
        var prefix = _edgeOptions.Value.Id + ".";
        if (token.CreatorId is null || reservationId.Length > 128 || !reservationId.StartsWith(prefix, StringComparison.Ordinal))
        {
            return new ConfirmResult(ConfirmStatus.NotFound);
        }

        FindSaleReply reply;
        try
        {
            reply = await _origin.FindSaleAsync(new FindSaleRequest { ReservationId = reservationId }, cancellationToken);
        }
        catch (OriginUnavailableException ex)
        {
            DropsLog.Unreachable(_logger, "FindSale", ex);
            return new ConfirmResult(ConfirmStatus.OriginUnreachable, RetryAfter: ex.RetryAfter);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            DropsLog.OriginCallFailed(_logger, "FindSale", ex.StatusCode.ToString());
            return new ConfirmResult(ConfirmStatus.Unavailable);
        }

        if (!reply.Found || !token.IsViewerOf(reply.CreatorId) || !string.Equals(reply.Viewer, token.Subject, StringComparison.Ordinal))
        {
            return new ConfirmResult(ConfirmStatus.NotFound);
        }

        // Detached from any pool: the sale is done and its lease is no longer this process's.
        var confirmedAt = DateTimeOffset.FromUnixTimeMilliseconds(reply.ConfirmedAtUnixMs);
        var lease = new InventoryLease(reply.LeaseId, reply.Quantity, confirmedAt) { Sold = reply.Quantity };
        var sold = new Reservation(reservationId, reply.DropId, reply.SkuId, reply.Quantity, reply.CreatorId, reply.Viewer, "",
            new LeasePool(reply.DropId, reply.SkuId, 1), lease, confirmedAt) { State = ReservationState.Confirmed };
        var remembered = _reservations.GetOrAdd(reservationId, sold);
        _reservedDrops.TryAdd(remembered.DropId, 0);
        return new ConfirmResult(ConfirmStatus.Confirmed, remembered);
    }

    /// <summary>
    /// Re-sends the confirms in doubt (<see cref="MarkInDoubt"/>) and forgets the reservations no
    /// longer in doubt (settled, ended, or forgotten with their drop).
    /// </summary>
    private void SettleInDoubt()
    {
        foreach (var (id, reservation) in _inDoubt)
        {
            if (reservation.State == ReservationState.Held && reservation.ConfirmInDoubt && ReferenceEquals(Find(id), reservation))
            {
                // Not awaited: a hung origin holds each call up to Origin:CallTimeout, and the sweep must go on.
                SettleInDoubt(reservation);
                continue;
            }

            _inDoubt.TryRemove(new KeyValuePair<string, Reservation>(id, reservation));
            // A confirm that failed again meanwhile marked it after the check above: keep it.
            if (reservation.State == ReservationState.Held && reservation.ConfirmInDoubt && ReferenceEquals(Find(id), reservation))
            {
                _inDoubt.TryAdd(id, reservation);
            }
        }
    }

    /// <summary>
    /// Re-sends the confirm of a reservation whose earlier confirm got no answer (a timeout, a
    /// hung origin, the viewer gone mid-call). The viewer asked to buy; the origin's answer is
    /// definitive either way (a sale it recorded is "already confirmed"), so the sweep never frees
    /// units of a sale the origin holds. Skipped while another call holds the reservation.
    /// </summary>
    private void SettleInDoubt(Reservation reservation)
    {
        if (!reservation.Gate.Wait(0))
        {
            return;
        }

        if (reservation.State != ReservationState.Held || !reservation.ConfirmInDoubt || reservation.Confirming)
        {
            reservation.Gate.Release();
            return;
        }

        reservation.Confirming = true;
        _ = SettleAsync(reservation);

        async Task SettleAsync(Reservation inDoubt)
        {
            try
            {
                var result = await SendConfirmAsync(inDoubt, CancellationToken.None);
                if (!inDoubt.ConfirmInDoubt)
                {
                    DropRecoveryLog.ConfirmSettled(_logger, inDoubt.DropId, result.Status);
                }
            }
            finally
            {
                inDoubt.Confirming = false;
                inDoubt.Gate.Release();
            }
        }
    }

    /// <summary>
    /// Forgets everything held for drops that are over (cancelled, past <c>endsAt</c> plus a
    /// grace, or gone from the replica): lease pools (their unsold units go back to the origin),
    /// reservations in every state, idempotency keys, RSVPs and per-viewer counts. A confirm of a
    /// forgotten reservation is answered from the origin's sales.
    /// </summary>
    private async Task EvictEndedDropsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var replica = _holder.Current;
        HashSet<string>? over = null;
        foreach (var dropId in Leases.DropIds().Concat(_rsvps.DropIds()))
        {
            if (IsOver(dropId))
            {
                (over ??= new HashSet<string>(StringComparer.Ordinal)).Add(dropId);
            }
        }

        foreach (var (dropId, _) in _reservedDrops)
        {
            // Sales looked up after a restart have no pool in this process.
            if (IsOver(dropId))
            {
                (over ??= new HashSet<string>(StringComparer.Ordinal)).Add(dropId);
            }
        }

        if (over is null)
        {
            return;
        }

        var returns = Leases.Evict(over);
        // Before the walk: a reservation made meanwhile adds its drop back after it is in the
        // map, so it is either seen by the walk or its drop is checked again next sweep.
        foreach (var dropId in over)
        {
            _reservedDrops.TryRemove(dropId, out _);
        }

        foreach (var (id, reservation) in _reservations)
        {
            if (over.Contains(reservation.DropId))
            {
                _reservations.TryRemove(id, out _);
            }
        }

        _keys.Evict(over);
        _rsvps.Evict(over);
        _allowance.Evict(over);
        DropRecoveryLog.DropsEvicted(_logger, over.Count);
        await Leases.ReturnAllAsync(returns, cancellationToken);

        bool IsOver(string dropId)
            => replica.FindDrop(dropId) is not { } drop || drop.Cancelled
                || now >= DropPhases.EndsAt(drop) + Options.ClockSkewMargin + s_endedGrace;
    }
}

/// <summary>Crash recovery and eviction log events on the edge: 1690-1699 of the drop range.</summary>
internal static partial class DropRecoveryLog
{
    [LoggerMessage(EventId = 1690, EventName = "LeasesReclaimed", Level = LogLevel.Information,
        Message = "Started without leases: the origin took back {Units} unsold units of {Leases} leases an earlier process of this edge held.")]
    public static partial void LeasesReclaimed(ILogger logger, int leases, int units);

    [LoggerMessage(EventId = 1691, EventName = "ReclaimUnsupported", Level = LogLevel.Warning,
        Message = "The origin cannot take back leases of an earlier process of this edge (ReclaimLeases unimplemented); their units return when they expire.")]
    public static partial void ReclaimUnsupported(ILogger logger);

    [LoggerMessage(EventId = 1692, EventName = "ConfirmSettled", Level = LogLevel.Information,
        Message = "A confirm of drop {DropId} whose answer was lost was settled with the origin: {Outcome}.")]
    public static partial void ConfirmSettled(ILogger logger, string dropId, ConfirmStatus outcome);

    [LoggerMessage(EventId = 1693, EventName = "DropsEvicted", Level = LogLevel.Debug,
        Message = "Forgot the reservations, leases, keys and RSVPs of {Drops} drops that are over.")]
    public static partial void DropsEvicted(ILogger logger, int drops);
}
