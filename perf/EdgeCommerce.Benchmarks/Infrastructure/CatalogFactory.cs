using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.CatalogAdmin;

namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>
/// Synthetic catalogs of a given shape: the admin JSON to PUT and the protobuf the origin derives
/// from it (for sizes, and for in-process micro-benchmarks). A new <c>version</c> changes
/// every title, so each PUT is a real change (an identical push creates no revision).
/// </summary>
internal static class CatalogFactory
{
    public static CreatorCatalog Build(string creatorId, int products, int skusPerProduct, int version, long revision = 0)
    {
        var catalog = new CreatorCatalog { CreatorId = creatorId, Revision = revision };
        for (var p = 0; p < products; p++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"{creatorId}-p{p:D3}");
            var product = new Product
            {
                Id = id,
                Title = string.Create(CultureInfo.InvariantCulture, $"Drop item {p} (edition {version})"),
                Description = "Heavyweight cotton, garment dyed, printed in the studio. Limited to this live drop.",
                ImageUrl = string.Create(CultureInfo.InvariantCulture, $"https://cdn.example.com/{creatorId}/{p}.png"),
                Price = new Money { AmountMinor = 1900 + (p * 100), Currency = "EUR" },
            };
            product.Attributes.Add("color", "black");
            product.Attributes.Add("material", "cotton");
            for (var s = 0; s < skusPerProduct; s++)
            {
                product.Skus.Add(new Sku { Id = string.Create(CultureInfo.InvariantCulture, $"{id}-s{s:D2}"), Label = string.Create(CultureInfo.InvariantCulture, $"Size {s}") });
            }

            catalog.Products.Add(product);
        }

        return catalog;
    }

    /// <summary>
    /// The admin API document for <paramref name="catalog"/> (UTF-8 JSON), serialized with the
    /// origin's own catalog contract so the benchmark pushes exactly what admins push.
    /// </summary>
    public static byte[] ToAdminJson(CreatorCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var document = new CatalogDocument([.. catalog.Products.Select(static product => new ProductDocument(
            product.Id,
            product.Title,
            product.Description,
            product.ImageUrl,
            new MoneyDocument(product.Price.AmountMinor, product.Price.Currency),
            new SortedDictionary<string, string>(product.Attributes, StringComparer.Ordinal),
            [.. product.Skus.Select(static sku => new SkuDocument(sku.Id, sku.Label))]))]);
        return JsonSerializer.SerializeToUtf8Bytes(document, CatalogJsonContext.Default.CatalogDocument);
    }
}
