using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>
/// The recommender's contract, read from the ONNX model's metadata (key
/// <c>edgecommerce.recommender</c>; written by <c>EdgeCommerce.Recommendations.Onnx.ModelMetadata</c>
/// at the origin): the item table (row = index, key <c>creatorId/productId</c>) and how viewer
/// features are built from a history. Validated before a model is accepted.
/// </summary>
internal sealed class ModelDescription
{
    public const string MetadataKey = "edgecommerce.recommender";
    public const string SupportedFormat = "two-tower-v1";

    private ModelDescription(ModelDescriptionJson json)
    {
        Version = json.Version!;
        ViewerDimension = json.ViewerDimension;
        CategoryCount = json.Categories!.Count;
        PriceBuckets = json.PriceBuckets;
        KindWeights = [.. json.KindWeights!];
        ItemCategory = [.. json.Items!.Select(static i => i.Category)];
        ItemPriceBucket = [.. json.Items!.Select(static i => i.PriceBucket)];
        Rows = json.Items!.Select(static (item, row) => KeyValuePair.Create(item.Key!, row)).ToFrozenDictionary(StringComparer.Ordinal);
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
    public static ModelDescription Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            throw new InvalidDataException($"The model has no '{MetadataKey}' metadata.");
        }

        ModelDescriptionJson? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(json, ModelDescriptionJsonContext.Default.ModelDescriptionJson);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException("The model's metadata is not valid JSON.", exception);
        }

        if (parsed is null || parsed.Format != SupportedFormat)
        {
            throw new InvalidDataException($"The model's format is '{parsed?.Format}', not '{SupportedFormat}'.");
        }

        if (string.IsNullOrEmpty(parsed.Version) || parsed.Categories is null || parsed.KindWeights is not { Count: 5 } || parsed.Items is null || parsed.Items.Count == 0)
        {
            throw new InvalidDataException("The model's metadata lacks a version, categories, kind weights or items.");
        }

        if (parsed.PriceBuckets <= 0 || parsed.ViewerDimension != 1 + parsed.Categories.Count + parsed.PriceBuckets)
        {
            throw new InvalidDataException("The model's viewer dimension does not match its categories and price buckets.");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in parsed.Items)
        {
            if (item.Key is null || !keys.Add(item.Key) || item.Category < 0 || item.Category >= parsed.Categories.Count || item.PriceBucket < 0 || item.PriceBucket >= parsed.PriceBuckets)
            {
                throw new InvalidDataException("The model's item table has a missing, repeated or out-of-range entry.");
            }
        }

        return new ModelDescription(parsed);
    }
}

internal sealed record ModelDescriptionJson(string? Format, string? Version, int ViewerDimension, IReadOnlyList<string>? Categories, int PriceBuckets, IReadOnlyList<float>? KindWeights, IReadOnlyList<ModelItemJson>? Items);

internal sealed record ModelItemJson(string? Key, int Category, int PriceBucket);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ModelDescriptionJson))]
internal sealed partial class ModelDescriptionJsonContext : JsonSerializerContext;
