using System.Collections.Concurrent;
using EdgeCommerce.Contracts.Recommendations;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>
/// Engagements (click or stronger) per product seen on this edge: the ranking that answers while
/// there is no model. Keys are only products the replica lists when the event arrives, so the
/// table is bounded by the catalogs.
/// </summary>
internal sealed class PopularityCounter
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Record(string itemKey, InteractionKind kind)
    {
        if (kind >= InteractionKind.Click)
        {
            _counts.AddOrUpdate(itemKey, 1, static (_, count) => count + 1);
        }
    }

    public long CountOf(string itemKey) => _counts.GetValueOrDefault(itemKey);

    public ConcurrentDictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> Lookup => _counts.GetAlternateLookup<ReadOnlySpan<char>>();
}
