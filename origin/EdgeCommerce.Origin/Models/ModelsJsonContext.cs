using System.Text.Json.Serialization;
using EdgeCommerce.Recommendations.Training;

namespace EdgeCommerce.Origin.Models;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RecommenderMetrics))]
internal sealed partial class ModelsJsonContext : JsonSerializerContext;
