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
    ILogger<StockPlacement> logger) : BackgroundService
{
    /// <summary>How long a SKU is left alone after a placement was tried (granted, refused or failed).</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    private readonly Dictionary<(string DropId, string SkuId), DateTimeOffset> _nextTry = [];

    private DropsOptions Options => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Options.PrepositionUnits == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(Options.SweepInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await PlaceAsync(stoppingToken);
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

    /// <summary>One pass over the replica's drops (the timer's tick; tests call it directly). Not reentrant.</summary>
    public async Task PlaceAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var replica = holder.Current;
        var due = new HashSet<(string, string)>();
        foreach (var (dropId, drop) in replica.Drops)
        {
            var phase = DropPhases.Of(drop, now);
            if (phase is not (DropPhase.Scheduled or DropPhase.EarlyAccess) || now < DropPhases.EarlyAccessFrom(drop) - Options.PrepositionLead)
            {
                continue;
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
                await PlaceAsync(pool, cancellationToken);
            }
        }

        // Drops that opened, closed or left the replica need no more placing.
        foreach (var key in _nextTry.Keys.Where(key => !due.Contains(key)).ToList())
        {
            _nextTry.Remove(key);
        }
    }

    private async Task PlaceAsync(LeasePool pool, CancellationToken cancellationToken)
    {
        var (refill, owner) = pool.JoinRefill();
        if (owner is null)
        {
            return;
        }

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
            }, cancellationToken);
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
            _ = refill.Exception;
            if (ex is RpcException rpc)
            {
                LogNotPlaced(logger, pool.DropId, pool.SkuId, rpc.StatusCode);
            }
            else if (ex is not OriginUnavailableException)
            {
                throw;
            }
        }
    }

    [LoggerMessage(EventId = 1675, EventName = "StockPlaced", Level = LogLevel.Information,
        Message = "Placed {Units} units of drop {DropId} SKU {SkuId} on this edge before the open.")]
    private static partial void LogPlaced(ILogger logger, int units, string dropId, string skuId);

    [LoggerMessage(EventId = 1676, EventName = "StockNotPlaced", Level = LogLevel.Debug,
        Message = "The origin placed no stock of drop {DropId} SKU {SkuId} on this edge ({StatusCode}); tried again later.")]
    private static partial void LogNotPlaced(ILogger logger, string dropId, string skuId, StatusCode statusCode);

    [LoggerMessage(EventId = 1677, EventName = "PlacementFailed", Level = LogLevel.Error,
        Message = "Placing drop stock before the open failed; it runs again at the next interval.")]
    private static partial void LogPlacementFailed(ILogger logger, Exception exception);
}
