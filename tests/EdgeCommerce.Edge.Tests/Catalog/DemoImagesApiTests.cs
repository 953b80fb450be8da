using System.Net;
using EdgeCommerce.Edge.Tests.Infrastructure;

namespace EdgeCommerce.Edge.Tests.Catalog;

public sealed class DemoImagesApiTests(EdgeApiFixture fixture) : IClassFixture<EdgeApiFixture>, IDisposable
{
    public void Dispose() => Assert.Empty(fixture.ErrorLogs);

    [Fact]
    public async Task GetImage_ValidName_ReturnsSameSvgEveryTime()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var client = fixture.CreateClient();

        // Act
        using var first = await client.GetAsync("/images/demo/hoodie-01.svg", ct);
        using var second = await client.GetAsync("/images/demo/hoodie-01.svg", ct);
        using var other = await client.GetAsync("/images/demo/cap-02.svg", ct);
        var firstBody = await first.Content.ReadAsStringAsync(ct);

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("image/svg+xml", first.Content.Headers.ContentType?.MediaType);
        Assert.True(first.Headers.CacheControl?.Public);
        Assert.True(first.Headers.CacheControl?.Extensions.Any(e => e.Name == "immutable"));
        Assert.Equal(TimeSpan.FromDays(1), first.Headers.CacheControl?.MaxAge);
        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", firstBody);
        Assert.Contains("aria-label=\"hoodie-01\"", firstBody);
        Assert.Equal(firstBody, await second.Content.ReadAsStringAsync(ct));
        Assert.NotEqual(firstBody, await other.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task GetImage_LongName_LabelsWithFirst18Characters()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var client = fixture.CreateClient();

        // Act
        using var response = await client.GetAsync("/images/demo/a-rather-long-product-name.svg", ct);
        var body = await response.Content.ReadAsStringAsync(ct);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("aria-label=\"a-rather-long-prod\"", body);
        Assert.Contains(">a-rather-long-prod</text>", body);
    }

    [Theory]
    [InlineData("-leading-dash")]
    [InlineData("has%20space")]
    [InlineData("%3Cscript%3E")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task GetImage_InvalidName_Returns404(string name)
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var client = fixture.CreateClient();

        // Act
        using var response = await client.GetAsync($"/images/demo/{name}.svg", ct);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
