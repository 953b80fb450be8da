using System.Collections.Frozen;
using EdgeCommerce.Contracts.Recommendations;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>
/// A model's <see cref="ModelMetadata"/> (checked by <see cref="ModelMetadata.Parse"/> before a
/// model is accepted) laid out for the hot path: the item table as arrays and a key → row lookup.
/// </summary>
internal sealed class ModelDescription
{
    private ModelDescription(ModelMetadata metadata)
    {
        Version = metadata.Version!;
        ViewerDimension = metadata.ViewerDimension;
        CategoryCount = metadata.Categories!.Count;
        PriceBuckets = metadata.PriceBuckets;
        KindWeights = [.. metadata.KindWeights!];
        ItemCategory = [.. metadata.Items!.Select(static i => i.Category)];
        ItemPriceBucket = [.. metadata.Items!.Select(static i => i.PriceBucket)];
        Rows = metadata.Items!.Select(static (item, row) => KeyValuePair.Create(item.Key!, row)).ToFrozenDictionary(StringComparer.Ordinal);
    }

    public string Version { get; }

    public int ViewerDimension { get; }

    public int CategoryCount { get; }

    public int PriceBuckets { get; }

    public float[] KindWeights { get; }

    public int[] ItemCategory { get; }

    public int[] ItemPriceBucket { get; }

    /// <summary><c>creatorId/productId</c> → row of the item table.</summary>
    public FrozenDictionary<string, int> Rows { get; }

    public int ItemCount => ItemCategory.Length;

    /// <summary>Parses and checks the metadata; throws <see cref="InvalidDataException"/> naming the defect.</summary>
    public static ModelDescription Parse(string? json) => new(ModelMetadata.Parse(json));
}
