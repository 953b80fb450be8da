using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Sync;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// A reservation the origin could not serve ("nothing free") while other edges lease units nobody
/// reserves: it waits, up to <see cref="DropsOptions.SurplusWait"/>, for those units to come back
/// (an idle edge gives them back within <see cref="DropsOptions.SurplusIdle"/>, see
/// <see cref="LeasePool.TakeIdleSurplus"/>), instead of being refused while units remain. Only
/// a 503 would have been answered otherwise, so a wait that ends empty-handed answers the same.
/// </summary>
internal static class SurplusWait
{
    /// <summary>
    /// Units other edges lease unsold and unreserved, by <paramref name="stock"/> (the refusal's):
    /// leased unsold minus this pool's own, less the holds other edges reported (this edge's
    /// current holds taken for its reported ones). An estimate: holds are reported every 200 ms.
    /// </summary>
    public static int UnreservedElsewhere(LeasePool pool, DropSku stock, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(stock);
        var (ownUnsold, ownHeld) = pool.Holdings(now);
        var otherHeld = Math.Max(0, DropStock.Held(stock, now) - ownHeld);
        return Math.Max(0, stock.Leased - ownUnsold - otherHeld);
    }

    /// <summary>
    /// Waits until the replica (after a change) shows <paramref name="quantity"/> units free at the
    /// origin: true, the caller refills again; false when no unit is unreserved elsewhere or
    /// <paramref name="until"/> passed.
    /// </summary>
    public static async Task<bool> WaitAsync(ReplicaHolder holder, LeasePool pool, int quantity, DropSku? stock, DateTimeOffset until, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var now = timeProvider.GetUtcNow();
        if (stock is null || now >= until || UnreservedElsewhere(pool, stock, now) < quantity)
        {
            return false;
        }

        using var deadline = new CancellationTokenSource(until - now, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            while (true)
            {
                // At least one change first: the replica at the refusal may predate the grants that emptied the origin.
                await holder.WaitForChangeAsync(holder.Current, linked.Token);
                if (holder.Current.FindDrop(pool.DropId)?.Skus.FirstOrDefault(s => string.Equals(s.SkuId, pool.SkuId, StringComparison.Ordinal)) is { } sku
                    && (long)sku.Allocation - sku.Sold - sku.Leased >= quantity)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
