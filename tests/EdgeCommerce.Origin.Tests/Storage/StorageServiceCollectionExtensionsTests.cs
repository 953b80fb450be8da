using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Dialects.Postgres;
using EdgeCommerce.Origin.Storage.Dialects.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Tests.Storage;

public sealed class StorageServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddOriginStorage_NoProvider_ChoosesSqliteAndNoListener()
    {
        // Arrange
        using var data = new EdgeCommerce.Tests.Common.TempDirectory("edgecommerce-di");
        await using var services = Build(new() { ["Storage:DataDirectory"] = data.Path });

        // Act
        var store = services.GetRequiredService<IOriginStore>();

        // Assert
        Assert.IsType<SqliteDialect>(Assert.IsType<OriginStore>(store).Dialect);
        Assert.DoesNotContain(services.GetServices<IHostedService>(), static s => s is PostgresRevisionListener);
        Assert.Contains(services.GetServices<IHostedService>(), static s => s is StoreInitializer);
    }

    [Fact]
    public async Task AddOriginStorage_PostgresProvider_ChoosesPostgresWithItsListener()
    {
        // Arrange
        await using var services = Build(new()
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:ConnectionString"] = "Host=127.0.0.1;Port=1;Database=none;Username=nobody",
        });

        // Act
        var store = services.GetRequiredService<IOriginStore>();

        // Assert: nothing connects until the host starts.
        Assert.IsType<PostgresDialect>(Assert.IsType<OriginStore>(store).Dialect);
        Assert.Single(services.GetServices<IHostedService>(), static s => s is PostgresRevisionListener);
    }

    [Theory]
    [InlineData(null, "Storage:ConnectionString is required")]
    [InlineData("", "Storage:ConnectionString is required")]
    [InlineData("Hots=db;Database=x", "not a valid PostgreSQL connection string")]
    public async Task AddOriginStorage_PostgresWithoutAValidConnectionString_FailsValidation(string? connectionString, string expected)
    {
        // Arrange
        await using var services = Build(new() { ["Storage:Provider"] = "Postgres", ["Storage:ConnectionString"] = connectionString });

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);

        // Assert
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddOriginStorage()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
