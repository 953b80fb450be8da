using EdgeCommerce.Origin.Edges;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Tests.Edges;

/// <summary>Which public URLs an edge may announce: https (http only on loopback) on an allowed host; loopback only by default.</summary>
public sealed class EdgeUrlPolicyTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://localhost:5000/", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("https://edge.example.com", false)]
    [InlineData("http://10.0.0.1", false)]
    public void Check_DefaultAllowList_OnlyLoopback(string url, bool accepted)
    {
        // Arrange
        var policy = new EdgeUrlPolicy(new StaticOptions(new RoutingOptions()));

        // Act
        var refusal = policy.Check(url);

        // Assert
        Assert.Equal(accepted, refusal is null);
    }

    [Theory]
    [InlineData("*.edges.example.com", "https://eu-1.edges.example.com", true)]
    [InlineData("*.edges.example.com", "https://a.b.edges.example.com", true)]
    [InlineData("*.edges.example.com", "https://edges.example.com", false)]
    [InlineData("*.edges.example.com", "https://evil-edges.example.com", false)]
    [InlineData("*.edges.example.com", "http://127.0.0.1:5000", false)]
    [InlineData("shop.example.com", "https://SHOP.example.com", true)]
    public void Check_ConfiguredPatterns_MatchHostsOnly(string pattern, string url, bool accepted)
    {
        // Arrange
        var policy = new EdgeUrlPolicy(new StaticOptions(new RoutingOptions { AllowedEdgeUrls = [pattern] }));

        // Act
        var refusal = policy.Check(url);

        // Assert
        Assert.Equal(accepted, refusal is null);
    }

    private sealed class StaticOptions(RoutingOptions value) : IOptionsMonitor<RoutingOptions>
    {
        public RoutingOptions CurrentValue => value;

        public RoutingOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<RoutingOptions, string?> listener) => null;
    }
}
