using System.Text.Json;
using EdgeCommerce.Origin.CatalogAdmin;

namespace EdgeCommerce.Origin.Tests.CatalogAdmin;

public sealed class CatalogDocumentReaderTests
{
    [Fact]
    public void Read_ValidCatalog_ReturnsDocument()
    {
        // Arrange
        using var json = JsonDocument.Parse("""
            {"products": [{"id": "hoodie-01", "title": "Tour hoodie", "description": "Heavy cotton",
              "imageUrl": "https://cdn.example.com/hoodie.png",
              "price": {"amountMinor": 5900, "currency": "EUR"},
              "attributes": {"color": "black"},
              "skus": [{"id": "hoodie-01-m", "label": "M"}, {"id": "hoodie-01-l", "label": "L"}]}]}
            """);

        // Act
        var result = new CatalogDocumentReader(new CatalogOptions()).Read(json.RootElement);

        // Assert
        Assert.Empty(result.Errors);
        var product = Assert.Single(result.Document!.Products);
        Assert.Equal(5900, product.Price.AmountMinor);
        Assert.Equal(2, product.Skus.Count);
    }
}
