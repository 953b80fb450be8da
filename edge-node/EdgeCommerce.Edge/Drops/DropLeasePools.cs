using System.Collections.Concurrent;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.Edge.Sync;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// This edge's leases: one <see cref="LeasePool"/> per SKU of a drop, made on first use, from
/// which reservations take units without calling the origin. When no lease has enough, one refill
/// per SKU asks the origin and every waiter awaits it; a lease no longer usable gives its free
/// units back, and a drop that is over gives back every unsold unit and is forgotten. Before the
/// first lease of this process, what an earlier process of this edge left in its leases is given
/// back (<see cref="EnsureReclaimedAsync"/>).
/// </summary>
internal sealed class DropLeasePools(
    ReplicaHolder holder,
    IDropInventoryOrigin origin,
    IOptions<DropsOptions> options,
    IOptions<EdgeOptions> edgeOptions,
    TimeProvider timeProvider,
    DropMetrics metrics,
    ILogger logger)
{
    /// <summary>At most this many hops while a refill gathers its waiters.</summary>
    private const int MaxGatherPasses = 8;

    /// <summary>At most this long gathering (a fraction of one origin round trip).</summary>
    private static readonly TimeSpan MaxGatherTime = TimeSpan.FromMilliseconds(2);

    private readonly ConcurrentDictionary<(string DropId, string SkuId), LeasePool> _pools = new();
    private readonly Lock _reclaimGate = new();
    private Task? _reclaim;
    private volatile bool _reclaimed;

    private DropsOptions Options => options.Value;

    /// <summary>Whether this process has given back what an earlier one left in its leases (then it may lease).</summary>
    public bool Reclaimed => _reclaimed;

    public int Count => _pools.Count;

    /// <summary>Every pool, enumerated without locking or copying (for the holds report, <see cref="Stock.HoldsReporter"/>).</summary>
    public IEnumerable<LeasePool> All()
    {
        foreach (var (_, pool) in _pools)
        {
            yield return pool;
        }
    }

    /// <summary>The drops that have a pool here (for finding the ones that are over).</summary>
    public IEnumerable<string> DropIds()
    {
        foreach (var ((dropId, _), _) in _pools)
        {
            yield return dropId;
        }
    }

    /// <summary>The lease pool of a SKU, made on first use: reservations and <see cref="StockPlacement"/> share it.</summary>
    public LeasePool For(string dropId, string skuId)
        => _pools.GetOrAdd((dropId, skuId), static (key, first) => new LeasePool(key.DropId, key.SkuId, first), Options.LeaseUnits);

    /// <summary>Units this edge can still hand out for a SKU without asking the origin.</summary>
    public int FreeUnits(string dropId, string skuId)
        => _pools.TryGetValue((dropId, skuId), out var pool) ? pool.FreeUnits(timeProvider.GetUtcNow(), Options.ClockSkewMargin) : 0;

    /// <summary>
    /// Takes units from a local lease; when none has enough, awaits the pool's one refill from the
    /// origin (starting it if none runs) and tries again. Every waiter of a refill gets its outcome
    /// at the same moment: a hung origin costs them one call timeout together, an open circuit
    /// nothing. A waiter whose units went to others starts or joins the next refill.
    /// </summary>
    public async ValueTask<((InventoryLease Lease, DateTimeOffset ExpiresAt)? Hold, ReserveResult? Result)> TakeAsync(LeasePool pool, int quantity, CancellationToken cancellationToken)
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

    /// <summary>
    /// Gives the free units of leases no longer usable for new reservations back to the origin, and
    /// forgets leases past their expiry with nothing held.
    /// </summary>
    public async Task ReturnUnusableAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var (_, pool) in _pools)
        {
            foreach (var (lease, units) in pool.CollectUnusable(now, Options.ReservationTtl, Options.ClockSkewMargin))
            {
                await ReturnAsync(lease, units, cancellationToken);
            }
        }
    }

    /// <summary>Forgets the pools of drops that are over; returns their unsold units (held ones too) for <see cref="ReturnAllAsync"/>: no reservation of such a drop can sell any more.</summary>
    public IReadOnlyList<(InventoryLease Lease, int Units)> Evict(IReadOnlySet<string> over)
    {
        var returns = new List<(InventoryLease Lease, int Units)>();
        foreach (var (key, pool) in _pools)
        {
            if (over.Contains(key.DropId) && _pools.TryRemove(key, out _))
            {
                returns.AddRange(pool.TakeUnsold());
            }
        }

        return returns;
    }

    /// <summary>Gives units back to the origin early; what cannot be given back now returns when its lease expires.</summary>
    public async Task ReturnAllAsync(IReadOnlyList<(InventoryLease Lease, int Units)> returns, CancellationToken cancellationToken)
    {
        foreach (var (lease, units) in returns)
        {
            await ReturnAsync(lease, units, cancellationToken);
        }
    }

    /// <summary>
    /// Gives back the unsold units of this edge's leases at the origin, once per process and
    /// before its first lease (so it never returns a lease of its own); concurrent callers share
    /// one call. Throws what the origin call throws; the next caller tries again.
    /// </summary>
    public async ValueTask EnsureReclaimedAsync()
    {
        if (_reclaimed)
        {
            return;
        }

        Task reclaim;
        lock (_reclaimGate)
        {
            reclaim = _reclaim ??= ReclaimAsync();
        }

        try
        {
            await reclaim;
        }
        catch
        {
            lock (_reclaimGate)
            {
                if (ReferenceEquals(_reclaim, reclaim))
                {
                    _reclaim = null;
                }
            }

            throw;
        }
    }

    private async Task ReclaimAsync()
    {
        try
        {
            // Not a viewer's call: bounded by Origin:CallTimeout, and every refill waits for it.
            var reply = await origin.ReclaimLeasesAsync(new ReclaimLeasesRequest { EdgeId = edgeOptions.Value.Id }, CancellationToken.None);
            metrics.UnitsReturned(reply.Units);
            DropRecoveryLog.LeasesReclaimed(logger, reply.Leases, reply.Units);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            // An origin from before crash recovery: leases of a dead process end with their time.
            DropRecoveryLog.ReclaimUnsupported(logger);
        }

        _reclaimed = true;
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

            var (refill, owner) = pool.JoinRefill(timeProvider.GetUtcNow(), margin);
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
            await GatherWaitersAsync(pool);

            // No request's token: the call is bounded by Origin:CallTimeout and shared by every waiter.
            var (units, wanted) = pool.NextRequest(quantity, Options.MaxLeaseUnits, timeProvider.GetUtcNow(), Options.ClockSkewMargin, owner);
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
                    DropsLog.Unreachable(logger, "AcquireLease", unreachable);
                    break;
                case RpcException rpc when rpc.StatusCode != StatusCode.NotFound:
                    DropsLog.OriginCallFailed(logger, "AcquireLease", rpc.StatusCode.ToString());
                    break;
            }

            pool.EndRefill(owner);
            owner.SetException(ex);
        }
    }

    /// <summary>
    /// Lets the buyers whose requests this process is already running reach the pool before the
    /// refill is sized: at an opening they arrive within the same milliseconds, and a refill sized
    /// when only the first of them waited left the others to a second round trip behind it (the
    /// <c>burst</c> benchmark's tail). Goes to the back of the thread pool's queue while the
    /// waiting count still grows, a few times and a few milliseconds at most; a lone waiter costs
    /// one such hop, nothing beside the origin call it waits for.
    /// </summary>
    private async ValueTask GatherWaitersAsync(LeasePool pool)
    {
        var started = timeProvider.GetTimestamp();
        var waiting = pool.Waiting;
        for (var pass = 0; pass < MaxGatherPasses && timeProvider.GetElapsedTime(started) < MaxGatherTime; pass++)
        {
            await Task.Yield();
            var now = pool.Waiting;
            if (now <= waiting)
            {
                return;
            }

            waiting = now;
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
            DropsLog.Unreachable(logger, "ReturnLease", ex);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            DropsLog.OriginCallFailed(logger, "ReturnLease", ex.StatusCode.ToString());
        }
    }
}
