using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.Edge.Sync;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// Stock in place before the doors open: from <see cref="DropsOptions.PrepositionLead"/>
/// before a drop's early access (or its start, without early access) until it opens, every SKU of
/// the drop whose pool holds no free unit gets a placement lease from the origin, which sizes it as
/// this edge's share of the stock and keeps a reserve. At the open the burst of first reservations
/// is then served from local leases, and only the buyers beyond the share wait for a refill (one
/// call for all of them). Early-access buyers reserve from the same leases.
/// </summary>
/// <remarks>
/// The origin weights each edge's share by the buyers it expects (sent with the request: the
/// RSVPs it took and the viewers waiting in its room). Once a drop is open, a pool that sold
/// nothing for a whole interval gives its free units back when the origin has fewer left to lease
/// than it holds (<see cref="LeasePool.TakeIdleSurplus"/>), so units placed where the buyers did
/// not come reach the edges where they did: a buyer there waits for them instead of being refused.
/// The placement is the pool's refill while it runs (<see cref="LeasePool.JoinRefill"/>), so a
/// reservation of early access waiting for units shares it instead of racing it, and a refill
/// already running makes the placement unnecessary. Units placed and not sold go back as any lease's
/// do: the sweep returns them when the lease stops being usable, a cancelled drop's leases end at
/// the origin, and a dead edge's expire there.
/// </remarks>
internal sealed partial class StockPlacement(
    ReplicaHolder holder,
    DropReservations reservations,
    IDropInventoryOrigin origin,
    IOptions<DropsOptions> options,
    IOptions<EdgeOptions> edgeOptions,
    TimeProvider timeProvider,
    DropMetrics metrics,
    ILogger<StockPlacement> logger,
    Admission.DropAdmission? admission = null,
    Action? collectBeforeOpen = null) : BackgroundService
{
    /// <summary>How long a SKU is left alone after a placement was tried (granted, refused or failed).</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long before an opening this edge holds placed stock for it collects its young garbage (see <see cref="PlaceAsync(CancellationToken)"/>).</summary>
    public static readonly TimeSpan CollectLead = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<(string DropId, string SkuId), DateTimeOffset> _nextTry = [];

    /// <summary>The openings (drop, instant) a collection is scheduled for: one each.</summary>
    private readonly HashSet<(string DropId, DateTimeOffset Opens)> _collections = [];

    private readonly Action _collect = collectBeforeOpen ?? CollectYoungGenerations;

    private DropsOptions Options => options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Options.PrepositionUnits == 0
            ? Task.CompletedTask
            : Task.WhenAll(EveryAsync(Options.SweepInterval, PlaceAsync, stoppingToken), EveryAsync(Options.SurplusIdle, ReturnSurplusAsync, stoppingToken));

    private async Task EveryAsync(TimeSpan interval, Func<CancellationToken, Task> pass, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await pass(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogPlacementFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// One pass of placements over the replica's drops (every <see cref="DropsOptions.SweepInterval"/>; tests call it directly). Not reentrant.
    /// <para>It also keeps garbage collection out of the opening second: when a drop this edge holds
    /// placed stock for opens (its early access, or its start) before the next pass, the edge
    /// collects its young generations <see cref="CollectLead"/> before that instant, once. The burst of
    /// first reservations then starts on an empty allocation budget and does not fill it: without
    /// this, about one burst in five on each edge met a collection (<c>burst --diagnose</c>, perf/RESULTS.md),
    /// which stops every thread of the process for 3-20 ms while its buyers wait.</para>
    /// </summary>
    public async Task PlaceAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var replica = holder.Current;
        var due = new HashSet<(string, string)>();
        var openings = new HashSet<(string, DateTimeOffset)>();
        foreach (var (dropId, drop) in replica.Drops)
        {
            var phase = DropPhases.Of(drop, now);
            if (phase is not (DropPhase.Scheduled or DropPhase.EarlyAccess) || now < DropPhases.EarlyAccessFrom(drop) - Options.PrepositionLead)
            {
                continue;
            }

            var opens = now < DropPhases.EarlyAccessFrom(drop) ? DropPhases.EarlyAccessFrom(drop) : DropPhases.StartsAt(drop);
            if (opens - now <= Options.SweepInterval && HoldsPlacedStock(dropId, drop))
            {
                openings.Add((dropId, opens));
                if (_collections.Add((dropId, opens)))
                {
                    _ = CollectAtAsync(opens - CollectLead);
                }
            }

            foreach (var sku in drop.Skus)
            {
                var key = (dropId, sku.SkuId);
                due.Add(key);
                if (sku.Sold >= sku.Allocation || Withdrawal.IsWithdrawn(replica, drop, sku.SkuId)
                    || (_nextTry.TryGetValue(key, out var next) && now < next))
                {
                    continue;
                }

                var pool = reservations.PoolFor(dropId, sku.SkuId);
                if (pool.FreeUnits(now, Options.ClockSkewMargin) > 0)
                {
                    continue;
                }

                _nextTry[key] = now + RetryInterval;
                await PlaceAsync(pool, ExpectedBuyers(dropId), cancellationToken);
            }
        }

        // Drops that opened, closed or left the replica need no more placing.
        foreach (var key in _nextTry.Keys.Where(key => !due.Contains(key)).ToList())
        {
            _nextTry.Remove(key);
        }

        _collections.IntersectWith(openings);
    }

    private bool HoldsPlacedStock(string dropId, DropState drop)
    {
        foreach (var sku in drop.Skus)
        {
            if (reservations.Leases.FreeUnits(dropId, sku.SkuId) > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Collects at <paramref name="at"/> (at once when it passed). Never throws.</summary>
    private async Task CollectAtAsync(DateTimeOffset at)
    {
        try
        {
            var wait = at - timeProvider.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, timeProvider);
            }

            _collect();
        }
        catch (Exception ex)
        {
            LogPlacementFailed(logger, ex);
        }
    }

    /// <summary>
    /// Gen 0 and 1 only, blocking, not compacting: a few milliseconds on an idle edge, and what a
    /// burst allocates then fits in the fresh budget. The older generation is left to the runtime.
    /// </summary>
    private static void CollectYoungGenerations() => GC.Collect(1, GCCollectionMode.Forced, blocking: true, compacting: false);

    /// <summary>The buyers this edge expects for a drop: RSVPs it took (or learned of) and viewers waiting in its room.</summary>
    private int ExpectedBuyers(string dropId) => reservations.RsvpsOf(dropId) + (admission?.Waiting(dropId) ?? 0);

    /// <summary>
    /// The placement's call runs detached from <paramref name="cancellationToken"/> (the host's
    /// stopping token): reservations that joined it as their refill must get its answer, not a
    /// cancellation at shutdown. The call is bounded by <c>Origin:CallTimeout</c> as any refill's.
    /// </summary>
    private async Task PlaceAsync(LeasePool pool, int expectedBuyers, CancellationToken cancellationToken)
    {
        var (refill, owner) = pool.JoinRefill();
        if (owner is null)
        {
            return;
        }

        _ = CallAsync(pool, expectedBuyers, owner);
        try
        {
            await refill.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RpcException or OriginUnavailableException)
        {
            // Logged by the call.
        }
    }

    /// <summary>The one origin call of a placement: adds its lease, then completes the refill for every waiter. Never throws.</summary>
    private async Task CallAsync(LeasePool pool, int expectedBuyers, TaskCompletionSource<AcquireLeaseReply> owner)
    {
        try
        {
            // A lease placed before the reclaim would be cut back by it while this process counts on it.
            await reservations.EnsureReclaimedAsync();
            var reply = await origin.AcquireLeaseAsync(new AcquireLeaseRequest
            {
                DropId = pool.DropId,
                SkuId = pool.SkuId,
                EdgeId = edgeOptions.Value.Id,
                Units = Options.PrepositionUnits,
                MinUnits = 1,
                Preposition = true,
                ExpectedBuyers = expectedBuyers,
            }, CancellationToken.None);
            if (reply.LeaseId.Length > 0)
            {
                metrics.LeaseAcquired(reply.Units);
                pool.Add(new InventoryLease(reply.LeaseId, reply.Units, DateTimeOffset.FromUnixTimeMilliseconds(reply.ExpiresAtUnixMs)));
                LogPlaced(logger, reply.Units, pool.DropId, pool.SkuId);
            }

            pool.EndRefill(owner);
            owner.SetResult(reply);
        }
        catch (Exception ex)
        {
            pool.EndRefill(owner);
            owner.SetException(ex);
            // Observed here: when no reservation waited on it, nobody else will.
            _ = owner.Task.Exception;
            switch (ex)
            {
                case RpcException rpc:
                    LogNotPlaced(logger, pool.DropId, pool.SkuId, rpc.StatusCode);
                    break;
                case OriginUnavailableException:
                    break;
                default:
                    LogPlacementFailed(logger, ex);
                    break;
            }
        }
    }

    /// <summary>
    /// One pass (every <see cref="DropsOptions.SurplusIdle"/>; tests call it directly): gives back the
    /// free units of pools of open drops idle since the previous pass while the origin has fewer
    /// left to lease (see <see cref="LeasePool.TakeIdleSurplus"/>). Not reentrant.
    /// </summary>
    public async Task ReturnSurplusAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var replica = holder.Current;
        foreach (var pool in reservations.Pools())
        {
            if (!replica.Drops.TryGetValue(pool.DropId, out var drop) || DropPhases.Of(drop, now) != DropPhase.Open
                || drop.Skus.FirstOrDefault(s => string.Equals(s.SkuId, pool.SkuId, StringComparison.Ordinal)) is not { } sku)
            {
                continue;
            }

            var originFree = (int)Math.Max(0L, (long)sku.Allocation - sku.Sold - sku.Leased);
            foreach (var (lease, units) in pool.TakeIdleSurplus(now, Options.ClockSkewMargin, originFree))
            {
                try
                {
                    await origin.ReturnLeaseAsync(new ReturnLeaseRequest { LeaseId = lease.Id, Units = units }, cancellationToken);
                    metrics.UnitsReturned(units);
                    LogSurplusReturned(logger, units, pool.DropId, pool.SkuId);
                }
                catch (Exception ex) when ((ex is RpcException or OriginUnavailableException) && !cancellationToken.IsCancellationRequested)
                {
                    // Not lost: the origin takes the units back when the lease expires.
                    LogSurplusNotReturned(logger, units, pool.DropId, pool.SkuId);
                }
            }
        }
    }

    [LoggerMessage(EventId = 1675, EventName = "StockPlaced", Level = LogLevel.Information,
        Message = "Placed {Units} units of drop {DropId} SKU {SkuId} on this edge before the open.")]
    private static partial void LogPlaced(ILogger logger, int units, string dropId, string skuId);

    [LoggerMessage(EventId = 1676, EventName = "StockNotPlaced", Level = LogLevel.Debug,
        Message = "The origin placed no stock of drop {DropId} SKU {SkuId} on this edge ({StatusCode}); tried again later.")]
    private static partial void LogNotPlaced(ILogger logger, string dropId, string skuId, StatusCode statusCode);

    [LoggerMessage(EventId = 1678, EventName = "SurplusReturned", Level = LogLevel.Information,
        Message = "Gave {Units} idle units of drop {DropId} SKU {SkuId} back to the origin, which had fewer left.")]
    private static partial void LogSurplusReturned(ILogger logger, int units, string dropId, string skuId);

    [LoggerMessage(EventId = 1679, EventName = "SurplusNotReturned", Level = LogLevel.Debug,
        Message = "Could not give {Units} idle units of drop {DropId} SKU {SkuId} back; the origin takes them back when the lease ends.")]
    private static partial void LogSurplusNotReturned(ILogger logger, int units, string dropId, string skuId);

    [LoggerMessage(EventId = 1677, EventName = "PlacementFailed", Level = LogLevel.Error,
        Message = "Placing drop stock before the open failed; it runs again at the next interval.")]
    private static partial void LogPlacementFailed(ILogger logger, Exception exception);
}
