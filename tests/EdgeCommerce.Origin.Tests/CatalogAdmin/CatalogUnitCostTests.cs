using System.Text.Json;
using EdgeCommerce.Origin.CatalogAdmin;

namespace EdgeCommerce.Origin.Tests.CatalogAdmin;

/// <summary>A SKU's optional <c>unitCostMinor</c> (issue 16): validated like a price, in its product's currency; absent leaves the canonical JSON as before.</summary>
public sealed class CatalogUnitCostTests
{
    [Fact]
    public void Read_UnitCost_IsKeptAndWrittenOnlyWhenGiven()
    {
        // Arrange
        using var json = JsonDocument.Parse("""
            {"products": [{"id": "hoodie-01", "title": "Tour hoodie", "price": {"amountMinor": 5900, "currency": "EUR"},
              "skus": [{"id": "hoodie-01-m", "label": "M", "unitCostMinor": 2100}, {"id": "hoodie-01-l", "label": "L"}]}]}
            """);

        // Act
        var result = new CatalogDocumentReader(new CatalogOptions()).Read(json.RootElement);
        var (canonical, _) = CatalogPayload.Canonicalize(result.Document!);

        // Assert
        Assert.Empty(result.Errors);
        Assert.Equal([2100L, null], result.Document!.Products[0].Skus.Select(static sku => sku.UnitCostMinor));
        Assert.Contains("{\"id\":\"hoodie-01-m\",\"label\":\"M\",\"unitCostMinor\":2100}", canonical, StringComparison.Ordinal);
        Assert.Contains("{\"id\":\"hoodie-01-l\",\"label\":\"L\"}", canonical, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1", "must not be negative")]
    [InlineData("12.5", "must be a whole number of minor units (5900 for 59.00 EUR)")]
    [InlineData("\"2100\"", "must be a whole number of minor units (5900 for 59.00 EUR)")]
    [InlineData("100000001", "is above the maximum of 100000 EUR (10000000 minor units)")]
    public void Read_BadUnitCost_IsRefusedByItsPath(string cost, string message)
    {
        // Arrange
        using var json = JsonDocument.Parse($$"""
            {"products": [{"id": "hoodie-01", "title": "Tour hoodie", "price": {"amountMinor": 5900, "currency": "EUR"},
              "skus": [{"id": "hoodie-01-m", "label": "M", "unitCostMinor": {{cost}}}]}]}
            """);

        // Act
        var result = new CatalogDocumentReader(new CatalogOptions()).Read(json.RootElement);

        // Assert
        Assert.Null(result.Document);
        Assert.Equal([message], Assert.Single(result.Errors, static e => e.Key == "products[0].skus[0].unitCostMinor").Value);
    }
}
