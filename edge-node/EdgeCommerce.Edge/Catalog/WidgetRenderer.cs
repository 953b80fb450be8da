using System.Buffers;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Catalog;

/// <summary>Renders a creator's catalog as the public widget JSON.</summary>
internal static class WidgetRenderer
{
    /// <summary>
    /// <c>{"creatorId","revision","products":[{"id","title","description","imageUrl","price":{"amountMinor","currency"},"skus":[{"id","label"}]}]}</c>.
    /// Attributes stay out of the public widget until a consumer needs them.
    /// </summary>
    public static byte[] RenderJson(CreatorCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var buffer = new ArrayBufferWriter<byte>(256 + (catalog.Products.Count * 256));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("creatorId", catalog.CreatorId);
            writer.WriteNumber("revision", catalog.Revision);
            writer.WriteStartArray("products");
            foreach (var product in catalog.Products)
            {
                writer.WriteStartObject();
                writer.WriteString("id", product.Id);
                writer.WriteString("title", product.Title);
                writer.WriteString("description", product.Description);
                writer.WriteString("imageUrl", product.ImageUrl);
                writer.WriteStartObject("price");
                writer.WriteNumber("amountMinor", product.Price?.AmountMinor ?? 0);
                writer.WriteString("currency", product.Price?.Currency ?? "");
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
