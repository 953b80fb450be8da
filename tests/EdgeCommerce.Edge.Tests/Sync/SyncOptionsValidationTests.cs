using EdgeCommerce.Edge.Sync;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Tests.Sync;

/// <summary>The edge refuses, at start, settings that would send its token in cleartext over a network or leave it without one.</summary>
public sealed class SyncOptionsValidationTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5081", true)]
    [InlineData("http://localhost:5081", true)]
    [InlineData("http://[::1]:5081", true)]
    [InlineData("https://origin.example.com", true)]
    [InlineData("http://origin.example.com:5081", false)]
    [InlineData("http://10.0.0.7:5081", false)]
    public void MayCarryToken_OnlyTlsOrLoopback(string address, bool expected)
        => Assert.Equal(expected, SyncOptions.MayCarryToken(new Uri(address)));

    [Theory]
    [InlineData("http://origin.example.com:5081", "token", null, "cleartext")]
    [InlineData("https://origin.example.com", null, null, "Sync:Token or Sync:TokenPath")]
    [InlineData("https://origin.example.com", "token", "/no/such/file.pem", "TrustedCertificatePath")]
    public void Options_UnsafeOrIncomplete_FailAtStartNamingTheSetting(string address, string? token, string? trusted, string expected)
    {
        // Arrange
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sync:OriginAddress"] = address,
            ["Sync:Token"] = token,
            ["Sync:TrustedCertificatePath"] = trusted,
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddCatalogSync();
        using var provider = services.BuildServiceProvider();

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SyncOptions>>().Value);

        // Assert
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_LoopbackWithToken_Valid()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sync:OriginAddress"] = "http://127.0.0.1:5081",
            ["Sync:Token"] = "token",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddCatalogSync();
        using var provider = services.BuildServiceProvider();

        Assert.Equal("token", provider.GetRequiredService<IOptions<SyncOptions>>().Value.Token);
    }
}
