using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeCommerce.Recommendations.Onnx;

/// <summary>
/// What an edge needs beside the graph to use it, stored in the ONNX model's <c>metadata_props</c>
/// under <see cref="Key"/> as JSON: the item table (row = index), and how to build the viewer
/// features from a history. The edge reads the same JSON shape (<c>Recommendations/ModelDescription</c>).
/// </summary>
public sealed record ModelMetadata(
    string Format,
    string Version,
    int ViewerDimension,
    IReadOnlyList<string> Categories,
    int PriceBuckets,
    IReadOnlyList<float> KindWeights,
    IReadOnlyList<ModelItem> Items)
{
    public const string Key = "edgecommerce.recommender";
    public const string CurrentFormat = "two-tower-v1";

    public string ToJson() => JsonSerializer.Serialize(this, ModelMetadataJsonContext.Default.ModelMetadata);
}

/// <summary>One row of the item table: <c>creatorId/productId</c>, category index, price bucket.</summary>
public sealed record ModelItem(string Key, int Category, int PriceBucket);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ModelMetadata))]
internal sealed partial class ModelMetadataJsonContext : JsonSerializerContext;
