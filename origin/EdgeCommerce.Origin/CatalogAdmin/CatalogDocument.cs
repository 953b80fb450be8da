using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeCommerce.Origin.CatalogAdmin;

/// <summary>A creator's whole catalog, as admins push it and as GET returns it.</summary>
/// <param name="DisplayName">The creator's name as viewers see it; null: the creator id (left out of the canonical JSON, so catalogs without one keep their hash).</param>
internal sealed record CatalogDocument(
    IReadOnlyList<ProductDocument> Products,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DisplayName = null);

internal sealed record ProductDocument(
    string Id,
    string Title,
    string Description,
    string ImageUrl,
    MoneyDocument Price,
    SortedDictionary<string, string> Attributes,
    IReadOnlyList<SkuDocument> Skus);

internal sealed record MoneyDocument(long AmountMinor, string Currency);

/// <param name="UnitCostMinor">
/// What one unit costs the creator, in the product's currency (optional; for the drop report's
/// margin). Left out of the JSON when absent, so catalogs without costs keep their canonical bytes
/// (and content hash). Never sent to edges: it is the creator's business, not the viewer's.
/// </param>
internal sealed record SkuDocument(
    string Id,
    string Label,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? UnitCostMinor = null);

/// <summary>Source-generated JSON for the catalog: camelCase, compact, attribute keys sorted (canonical form).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(CatalogDocument))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
