using System.Collections.Frozen;
using EdgeCommerce.Recommendations.Data;

namespace EdgeCommerce.Recommendations.Features;

/// <summary>
/// The features of the two towers, fixed at training time and shipped inside the model (see
/// <see cref="Onnx.ModelMetadata"/>), so an edge computes exactly what training saw.
/// <para>Viewer tower (field 0): <c>[1 (bias), category shares (C), price-bucket shares (P)]</c> over the
/// viewer's weighted history. A viewer with no history is <c>[1, 0…]</c>: a cold-start viewer still
/// gets the model's learned popularity, not nothing. No viewer id is a feature: a model never
/// depends on having seen the viewer.</para>
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

    public int ViewerDimension => 1 + Categories.Count + PriceBuckets;

    public int ItemDimension => Items.Count + Categories.Count + PriceBuckets;

    public int IndexOf(string creatorId, string productId) => _itemIndex.GetValueOrDefault(creatorId + "/" + productId, -1);

    public int IndexOf(string key) => _itemIndex.GetValueOrDefault(key, -1);

    /// <summary>Writes the viewer features for a history of (item index, kind) into <paramref name="destination"/>.</summary>
    public void ViewerFeatures(ViewerHistory history, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(history);
        destination = destination[..ViewerDimension];
        destination.Clear();
        destination[0] = 1f;
        if (history.TotalWeight <= 0)
        {
            return;
        }

        var categories = Categories.Count;
        for (var c = 0; c < categories; c++)
        {
            destination[1 + c] = history.CategoryWeights[c] / history.TotalWeight;
        }

        for (var b = 0; b < PriceBuckets; b++)
        {
            destination[1 + categories + b] = history.PriceWeights[b] / history.TotalWeight;
        }
    }

    /// <summary>An empty running history sized for this feature space.</summary>
    public ViewerHistory NewHistory() => new(Categories.Count, PriceBuckets);

    public void Record(ViewerHistory history, int item, InteractionKind kind)
    {
        ArgumentNullException.ThrowIfNull(history);
        var weight = KindWeights[(int)kind];
        history.CategoryWeights[ItemCategory[item]] += weight;
        history.PriceWeights[ItemPriceBucket[item]] += weight;
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

/// <summary>A viewer's history, aggregated: weighted counts per category and price bucket.</summary>
public sealed class ViewerHistory(int categories, int priceBuckets)
{
    public float[] CategoryWeights { get; } = new float[categories];

    public float[] PriceWeights { get; } = new float[priceBuckets];

    public float TotalWeight { get; set; }

    public ViewerHistory Clone()
    {
        var copy = new ViewerHistory(CategoryWeights.Length, PriceWeights.Length) { TotalWeight = TotalWeight };
        CategoryWeights.CopyTo(copy.CategoryWeights, 0);
        PriceWeights.CopyTo(copy.PriceWeights, 0);
        return copy;
    }
}
