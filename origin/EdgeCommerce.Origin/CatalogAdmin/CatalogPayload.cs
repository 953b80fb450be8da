using System.Security.Cryptography;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using Google.Protobuf;

namespace EdgeCommerce.Origin.CatalogAdmin;

/// <summary>The two stored forms of a validated catalog: canonical JSON for admins, protobuf for edges.</summary>
internal static class CatalogPayload
{
    /// <summary>Canonical JSON and its SHA-256: identical catalogs give identical bytes, whatever the input's layout.</summary>
    public static (string Json, byte[] Hash) Canonicalize(CatalogDocument document)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, CatalogJsonContext.Default.CatalogDocument);
        return (System.Text.Encoding.UTF8.GetString(bytes), SHA256.HashData(bytes));
    }

    public static byte[] ToProtobuf(string creatorId, long revision, CatalogDocument document)
    {
        var catalog = new CreatorCatalog { CreatorId = creatorId, Revision = revision, DisplayName = document.DisplayName ?? "" };
        foreach (var product in document.Products)
        {
            var message = new Product
            {
                Id = product.Id,
                Title = product.Title,
                Description = product.Description,
                ImageUrl = product.ImageUrl,
                Price = new Money { AmountMinor = product.Price.AmountMinor, Currency = product.Price.Currency },
            };
            message.Attributes.Add(product.Attributes);
            foreach (var sku in product.Skus)
            {
                message.Skus.Add(new Sku { Id = sku.Id, Label = sku.Label });
            }

            catalog.Products.Add(message);
        }

        return catalog.ToByteArray();
    }
}
