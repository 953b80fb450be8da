using System.Collections.Frozen;
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
/// Stock as the replica knows it right now: a SKU is out when a drop of its creator that was not
/// cancelled holds it and every unit of its allocation is sold (a definitive sell-out; units leased to
/// edges may still come back, so they do not count). SKUs outside drops are not stock-limited. Read
/// from the current replica on every call, so a sell-out applied from the stream removes the SKU
/// from the very next recommendation. The sold-out SKUs of a replica are indexed once, on the
/// first call that sees that replica (a replica is immutable), instead of walking every drop for
/// every candidate of every request.
/// </summary>
internal sealed class ReplicaStockAvailability(ReplicaHolder replica) : ISkuAvailability
{
    private SoldOutIndex? _index;

    public bool IsInStock(string creatorId, string skuId)
    {
        var current = replica.Current;
        var index = Volatile.Read(ref _index);
        if (index is null || !ReferenceEquals(index.Replica, current))
        {
            // Racing builders build equal indexes of the same replica; any of them may win.
            index = SoldOutIndex.Of(current);
            Volatile.Write(ref _index, index);
        }

        return !index.IsSoldOut(creatorId, skuId);
    }

    private sealed class SoldOutIndex(CatalogReplica replica, FrozenDictionary<string, FrozenSet<string>> byCreator)
    {
        public CatalogReplica Replica { get; } = replica;

        public bool IsSoldOut(string creatorId, string skuId)
            => byCreator.TryGetValue(creatorId, out var skus) && skus.Contains(skuId);

        public static SoldOutIndex Of(CatalogReplica replica)
        {
            var soldOut = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var drop in replica.Drops.Values)
            {
                if (drop.Cancelled)
                {
                    continue;
                }

                foreach (var sku in drop.Skus)
                {
                    if (sku.Sold >= sku.Allocation)
                    {
                        if (!soldOut.TryGetValue(drop.CreatorId, out var skus))
                        {
                            soldOut[drop.CreatorId] = skus = new HashSet<string>(StringComparer.Ordinal);
                        }

                        skus.Add(sku.SkuId);
                    }
                }
            }

            return new SoldOutIndex(replica, soldOut.ToFrozenDictionary(static p => p.Key, static p => p.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal));
        }
    }
}
