using EdgeCommerce.Edge.Shop;

namespace EdgeCommerce.Edge.Tests.Shop;

/// <summary>A typo in a creator's site origins must stop the edge, not open the shop to every site.</summary>
public sealed class ShopOptionsValidatorTests
{
    [Theory]
    [InlineData("https://creator.example", "https://creator.example")]
    [InlineData("https://Creator.Example/", "https://creator.example")]
    [InlineData("https://creator.example:8443", "https://creator.example:8443")]
    [InlineData("https://creator.example:443", "https://creator.example")]
    [InlineData("http://127.0.0.1:5200", "http://127.0.0.1:5200")]
    [InlineData("http://localhost:5200", "http://localhost:5200")]
    [InlineData("http://[::1]:5200", "http://[::1]:5200")]
    public void Normalize_Origins_AsBrowsersSendThem(string configured, string expected)
        => Assert.Equal(expected, SiteOrigins.Normalize(configured));

    [Theory]
    [InlineData("*")]
    [InlineData("https://*.creator.example")]
    [InlineData("http://creator.example")] // cleartext off loopback
    [InlineData("https://creator.example/shop")]
    [InlineData("https://creator.example/?x=1")]
    [InlineData("https://user:pass@creator.example")]
    [InlineData("creator.example")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("javascript:alert(1)")]
    public void Validate_NotAnAcceptableOrigin_Fails(string configured)
    {
        // Arrange
        var options = new ShopOptions { AllowedOrigins = { ["creator-1"] = ["https://ok.example", configured] } };

        // Act
        var result = new ShopOptionsValidator().Validate(null, options);

        // Assert
        Assert.True(result.Failed);
        Assert.Contains("Shop:AllowedOrigins:creator-1", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadCreatorId_Fails()
    {
        // Arrange
        var options = new ShopOptions { AllowedOrigins = { ["bad id"] = ["https://ok.example"] } };

        // Act
        var result = new ShopOptionsValidator().Validate(null, options);

        // Assert
        Assert.True(result.Failed);
    }

    [Fact]
    public void Validate_GoodOrigins_Succeeds()
    {
        // Arrange
        var options = new ShopOptions { AllowedOrigins = { ["creator-1"] = ["https://a.example", "http://127.0.0.1:5200"] } };

        // Act
        var result = new ShopOptionsValidator().Validate(null, options);

        // Assert
        Assert.True(result.Succeeded);
    }
}
