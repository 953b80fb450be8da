using System.Text.Json;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Demo;
using EdgeCommerce.Contracts;

namespace EdgeCommerce.Cli.Tests.Demo;

public sealed class DemoCatalogsTests
{
    [Fact]
    public void Create_Always_FourCreatorsWithAFewDozenProductsInFourCurrencies()
    {
        // Act
        var creators = DemoCatalogs.Create();

        // Assert
        Assert.Equal(["nova-threads", "pixel-forge", "tea-and-tides", "sakura-studio"], creators.Select(static c => c.Id));
        Assert.InRange(creators.Sum(static c => c.Catalog.Products.Count), 24, 60);
        Assert.Equal(["EUR", "GBP", "JPY", "USD"], creators.SelectMany(static c => c.Catalog.Products).Select(static p => p.Price.Currency).Distinct().Order());
        Assert.All(creators, static creator => Assert.Single(creator.Catalog.Products.Select(static p => p.Price.Currency).Distinct()));
    }

    [Fact]
    public void Create_Always_FollowsTheCatalogRules()
    {
        // Arrange
        var skuIds = new HashSet<string>(StringComparer.Ordinal);

        // Act
        var creators = DemoCatalogs.Create();

        // Assert
        foreach (var creator in creators)
        {
            Assert.True(Identifiers.IsValid(creator.Id), creator.Id);
            Assert.Equal(creator.Catalog.Products.Count, creator.Catalog.Products.Select(static p => p.Id).Distinct().Count());
            foreach (var product in creator.Catalog.Products)
            {
                Assert.True(Identifiers.IsValid(product.Id), product.Id);
                Assert.Equal($"/images/demo/{product.Id}.svg", product.ImageUrl);
                Assert.False(string.IsNullOrWhiteSpace(product.Title));
                Assert.InRange(product.Title.Length, 1, 200);
                Assert.InRange(product.Price.AmountMinor, 1, 100_000);
                Assert.NotEmpty(product.Attributes);
                Assert.InRange(product.Skus.Count, 1, 50);
                foreach (var sku in product.Skus)
                {
                    Assert.True(Identifiers.IsValid(sku.Id), sku.Id);
                    Assert.False(string.IsNullOrWhiteSpace(sku.Label));
                    // SKU ids are unique across every catalog, not only within one.
                    Assert.True(skuIds.Add(sku.Id), "duplicate SKU " + sku.Id);
                }
            }
        }
    }

    [Fact]
    public void Create_Twice_SameBytes()
    {
        // Act
        var first = Serialize(DemoCatalogs.Create());
        var second = Serialize(DemoCatalogs.Create());

        // Assert
        Assert.Equal(first, second);
    }

    [Fact]
    public void Create_Always_SizesAreSkus()
    {
        // Act
        var hoodie = DemoCatalogs.Create()[0].Catalog.Products[0];

        // Assert
        Assert.Equal("nova-hoodie-01", hoodie.Id);
        Assert.Equal(["XS", "S", "M", "L", "XL"], hoodie.Skus.Select(static s => s.Label));
        Assert.Equal("nova-hoodie-01-m", hoodie.Skus[2].Id);
        Assert.Equal(new(5900, "EUR"), hoodie.Price);
    }

    [Theory]
    [InlineData("M", "m")]
    [InlineData("300 ml", "300-ml")]
    [InlineData("One size", "one-size")]
    [InlineData("36-40", "36-40")]
    public void Slug_Label_LowerCaseIdSuffix(string label, string expected)
        => Assert.Equal(expected, DemoCatalogs.Slug(label));

    private static string Serialize(IReadOnlyList<DemoCreator> creators)
        => string.Join('\n', creators.Select(static c => c.Id + JsonSerializer.Serialize(c.Catalog, CliJsonContext.Default.CatalogFile)));
}
