using System.Collections.Frozen;
using EdgeCommerce.Contracts.Recommendations;
using EdgeCommerce.Recommendations.Data;

namespace EdgeCommerce.Recommendations.Features;

/// <summary>
/// The features of the two towers, fixed at training time and shipped inside the model (see
/// <see cref="ModelMetadata"/>), so an edge computes exactly what training saw.
/// <para>Viewer tower (field 0): <see cref="Contracts.Recommendations.ViewerFeatures"/> over the
/// viewer's weighted history, the same code an edge runs.</para>
/// <para>Item tower (field 1): <c>[item one-hot (I), category one-hot (C), price-bucket one-hot (P)]</c>.</para>
/// </summary>
public sealed class FeatureSpace
{
    /// <summary>Price buckets: quartiles of price within each creator's catalog (currency-free).</summary>
    public const int PriceBuckets = 4;

    /// <summary>How much each interaction kind counts in a viewer's history (index = <see cref="InteractionKind"/>).</summary>
    public static IReadOnlyList<float> KindWeights { get; } = [1f, 2f, 3f, 4f, 5f];

    private readonly FrozenDictionary<string, int> _itemIndex;

    public FeatureSpace(IEnumerable<CatalogItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Items = [.. items.DistinctBy(static i => i.Key).OrderBy(static i => i.Key, StringComparer.Ordinal)];
        Categories = [.. Items.Select(static i => i.Category).Distinct().Order(StringComparer.Ordinal)];
        _itemIndex = Items.Select(static (item, index) => KeyValuePair.Create(item.Key, index)).ToFrozenDictionary(StringComparer.Ordinal);
        var categoryIndex = Categories.Select(static (c, i) => KeyValuePair.Create(c, i)).ToDictionary(StringComparer.Ordinal);
        ItemCategory = [.. Items.Select(i => categoryIndex[i.Category])];
        ItemPriceBucket = new int[Items.Count];
        foreach (var creator in Items.Select(static (item, index) => (item, index)).GroupBy(static p => p.item.CreatorId))
        {
            var prices = creator.Select(static p => p.item.PriceMinor).Order().ToArray();
            foreach (var (item, index) in creator)
            {
                // Rank of the first equal price, so equal prices share a bucket.
                var rank = Array.IndexOf(prices, item.PriceMinor);
                ItemPriceBucket[index] = prices.Length <= 1 ? 0 : Math.Min(PriceBuckets - 1, rank * PriceBuckets / prices.Length);
            }
        }
    }

    public IReadOnlyList<CatalogItem> Items { get; }

    public IReadOnlyList<string> Categories { get; }

    public int[] ItemCategory { get; }

    public int[] ItemPriceBucket { get; }

    public int ViewerDimension => Contracts.Recommendations.ViewerFeatures.Dimension(Categories.Count, PriceBuckets);

    public int ItemDimension => Items.Count + Categories.Count + PriceBuckets;

    public int IndexOf(string creatorId, string productId) => _itemIndex.GetValueOrDefault(creatorId + "/" + productId, -1);

    public int IndexOf(string key) => _itemIndex.GetValueOrDefault(key, -1);

    /// <summary>Writes the viewer features for a history into <paramref name="destination"/>.</summary>
    public void ViewerFeatures(ViewerHistory history, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(history);
        destination = destination[..ViewerDimension];
        history.Weights.CopyTo(destination);
        Contracts.Recommendations.ViewerFeatures.Normalize(destination, history.TotalWeight);
    }

    /// <summary>An empty running history sized for this feature space.</summary>
    public ViewerHistory NewHistory() => new(ViewerDimension);

    public void Record(ViewerHistory history, int item, InteractionKind kind)
    {
        ArgumentNullException.ThrowIfNull(history);
        var weight = KindWeights[(int)kind];
        Contracts.Recommendations.ViewerFeatures.Add(history.Weights, Categories.Count, ItemCategory[item], ItemPriceBucket[item], weight);
        history.TotalWeight += weight;
    }

    /// <summary>Writes the item features of item <paramref name="item"/> into <paramref name="destination"/>.</summary>
    public void ItemFeatures(int item, Span<float> destination)
    {
        destination = destination[..ItemDimension];
        destination.Clear();
        destination[item] = 1f;
        destination[Items.Count + ItemCategory[item]] = 1f;
        destination[Items.Count + Categories.Count + ItemPriceBucket[item]] = 1f;
    }
}

/// <summary>A viewer's history, aggregated: the viewer features before normalization, and their total weight.</summary>
public sealed class ViewerHistory
{
    public ViewerHistory(int viewerDimension)
    {
        Weights = new float[viewerDimension];
        Contracts.Recommendations.ViewerFeatures.Reset(Weights);
    }

    public float[] Weights { get; }

    public float TotalWeight { get; set; }
}
