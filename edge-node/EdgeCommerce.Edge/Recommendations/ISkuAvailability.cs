using EdgeCommerce.Edge.Sync;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>
/// Whether a SKU can be sold right now, as this edge knows it. Recommendations ask it for every
/// candidate on every request (never a cached list), so a SKU that sells out stops being
/// recommended by the next request.
/// </summary>
internal interface ISkuAvailability
{
    bool IsInStock(string creatorId, string skuId);
}

/// <summary>
/// Stock as the replica knows it right now: a SKU is out when a drop of its creator that has not
/// closed holds it and every unit of its allocation is sold (a definitive sell-out; units leased to
/// edges may still come back, so they do not count). SKUs outside drops are not stock-limited. Read
/// from the current replica on every call, so a sell-out applied from the stream removes the SKU
/// from the very next recommendation.
/// </summary>
internal sealed class ReplicaStockAvailability(ReplicaHolder replica) : ISkuAvailability
{
    public bool IsInStock(string creatorId, string skuId)
    {
        foreach (var drop in replica.Current.Drops.Values)
        {
            if (drop.Cancelled || !string.Equals(drop.CreatorId, creatorId, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var sku in drop.Skus)
            {
                if (string.Equals(sku.SkuId, skuId, StringComparison.Ordinal) && sku.Sold >= sku.Allocation)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
