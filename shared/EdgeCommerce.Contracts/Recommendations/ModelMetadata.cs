using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeCommerce.Contracts.Recommendations;

/// <summary>
/// What an edge needs beside the graph to use it, stored in the ONNX model's <c>metadata_props</c>
/// under <see cref="TwoTowerModel.MetadataKey"/> as JSON: the item table (row = index, key
/// <c>creatorId/productId</c>) and how to build the viewer features from a history
/// (<see cref="ViewerFeatures"/>). The origin writes it with <see cref="ToJson"/>; an edge accepts a
/// model only through <see cref="Parse"/>.
/// </summary>
public sealed record ModelMetadata(
    string? Format,
    string? Version,
    int ViewerDimension,
    IReadOnlyList<string>? Categories,
    int PriceBuckets,
    IReadOnlyList<float>? KindWeights,
    IReadOnlyList<ModelItem>? Items)
{
    public string ToJson() => JsonSerializer.Serialize(this, ModelMetadataJsonContext.Default.ModelMetadata);

    /// <summary>Parses and checks the metadata; throws <see cref="InvalidDataException"/> naming the defect.</summary>
    public static ModelMetadata Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            throw new InvalidDataException($"The model has no '{TwoTowerModel.MetadataKey}' metadata.");
        }

        ModelMetadata? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(json, ModelMetadataJsonContext.Default.ModelMetadata);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException("The model's metadata is not valid JSON.", exception);
        }

        if (parsed is null || parsed.Format != TwoTowerModel.Format)
        {
            throw new InvalidDataException($"The model's format is '{parsed?.Format}', not '{TwoTowerModel.Format}'.");
        }

        if (string.IsNullOrEmpty(parsed.Version) || parsed.Categories is null || parsed.KindWeights?.Count != Enum.GetValues<InteractionKind>().Length
            || parsed.Items is null || parsed.Items.Count == 0)
        {
            throw new InvalidDataException("The model's metadata lacks a version, categories, kind weights or items.");
        }

        if (parsed.PriceBuckets <= 0 || parsed.ViewerDimension != ViewerFeatures.Dimension(parsed.Categories.Count, parsed.PriceBuckets))
        {
            throw new InvalidDataException("The model's viewer dimension does not match its categories and price buckets.");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in parsed.Items)
        {
            if (item?.Key is null || !keys.Add(item.Key) || item.Category < 0 || item.Category >= parsed.Categories.Count || item.PriceBucket < 0 || item.PriceBucket >= parsed.PriceBuckets)
            {
                throw new InvalidDataException("The model's item table has a missing, repeated or out-of-range entry.");
            }
        }

        return parsed;
    }
}

/// <summary>One row of the item table: <c>creatorId/productId</c>, category index, price bucket.</summary>
public sealed record ModelItem(string? Key, int Category, int PriceBucket);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ModelMetadata))]
internal sealed partial class ModelMetadataJsonContext : JsonSerializerContext;
