using System.Buffers;
using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;

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

    /// <summary>The admin API document for <paramref name="catalog"/> (UTF-8 JSON).</summary>
    public static byte[] ToAdminJson(CreatorCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("products");
            foreach (var product in catalog.Products)
            {
                writer.WriteStartObject();
                writer.WriteString("id", product.Id);
                writer.WriteString("title", product.Title);
                writer.WriteString("description", product.Description);
                writer.WriteString("imageUrl", product.ImageUrl);
                writer.WriteStartObject("price");
                writer.WriteNumber("amountMinor", product.Price.AmountMinor);
                writer.WriteString("currency", product.Price.Currency);
                writer.WriteEndObject();
                writer.WriteStartObject("attributes");
                foreach (var (name, value) in product.Attributes)
                {
                    writer.WriteString(name, value);
                }

                writer.WriteEndObject();
                writer.WriteStartArray("skus");
                foreach (var sku in product.Skus)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", sku.Id);
                    writer.WriteString("label", sku.Label);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
