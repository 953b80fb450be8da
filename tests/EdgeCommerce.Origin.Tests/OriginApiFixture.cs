using System.Collections.Concurrent;
using System.Net.Http.Headers;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.Tests.Common;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Origin.Tests;

/// <summary>
/// The origin host in memory (eShop tests/Catalog.FunctionalTests/CatalogApiFixture.cs), with its
/// own SQLite file in a fresh temp directory, a fake clock (heartbeats come only when a test
/// advances it) and every Error-level log kept so tests can require there were none.
/// </summary>
public sealed class OriginApiFixture : WebApplicationFactory<OriginHostMarker>, IAsyncLifetime
{
    /// <summary>Catalog:MaxBodyBytes for this host: small, so a 413 needs only a small body.</summary>
    public const int MaxBodyBytes = 512 * 1024;

    /// <summary>Sync:MaxChangesPerBatch for this host: small, so a few writes already span batches.</summary>
    public const int MaxChangesPerBatch = 3;

    /// <summary>Sync:SnapshotChunkBytes for this host: the smallest allowed, so a few creators already span chunks.</summary>
    public const int SnapshotChunkBytes = 1024;

    /// <summary>Sync:HeartbeatInterval for this host (on the fake clock).</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(2);

    private readonly TempDirectory _dataDirectory = new("edgecommerce-origin");
    private readonly ErrorLogCollector _errors = new();
    private readonly IReadOnlyDictionary<string, string?> _settings;

    public OriginApiFixture()
        : this(settings: null)
    {
    }

    /// <param name="settings">Configuration added over this fixture's own (for example <c>Routing:*</c>).</param>
    internal OriginApiFixture(IReadOnlyDictionary<string, string?>? settings)
    {
        _settings = settings ?? new Dictionary<string, string?>();
    }

    public FakeTimeProvider TimeProvider { get; } = new(new DateTimeOffset(2025, 6, 1, 20, 0, 0, TimeSpan.Zero));

    /// <summary>Error-level (and worse) log lines written by the host so far.</summary>
    public IReadOnlyCollection<string> ErrorLogs => _errors.Entries;

    internal IOriginStore Store => Services.GetRequiredService<IOriginStore>();

    internal Task<long> GetHeadRevisionAsync() => Store.GetHeadRevisionAsync(TestContext.Current.CancellationToken);

    public ValueTask InitializeAsync()
    {
        // Builds and starts the host (and so opens the store) before the first test runs.
        _ = Server;
        return ValueTask.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _dataDirectory.Dispose();
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = _dataDirectory.Path,
            ["Catalog:MaxBodyBytes"] = MaxBodyBytes.ToString(),
            ["Sync:MaxChangesPerBatch"] = MaxChangesPerBatch.ToString(),
            ["Sync:HeartbeatInterval"] = HeartbeatInterval.ToString(),
            ["Sync:SnapshotChunkBytes"] = SnapshotChunkBytes.ToString(),
            // The test edges announce https://<id>.example.com.
            ["Routing:AllowedEdgeUrls:0"] = "*.example.com",
        }).AddInMemoryCollection(_settings));
        return base.CreateHost(builder);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(TimeProvider);
            services.AddSingleton<ILoggerProvider>(_errors);
        });
    }

    /// <summary>
    /// Every client <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/> makes carries a
    /// platform operator's token (every admin scope), as the CLI's would; tests of refusals build
    /// their own requests with <see cref="MintAsync"/>'s tokens or none.
    /// </summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        // Off the test's synchronization context: the first mint creates the signing key in the store.
        var token = Task.Run(() => MintAsync("platform-operator", null, BootstrapToken.PlatformScopes, Audiences.Origin)).GetAwaiter().GetResult();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>A client with no token at all.</summary>
    public HttpClient CreateAnonymousClient()
    {
        var client = CreateDefaultClient(); // which runs ConfigureClient too
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }

    /// <summary>A token the origin itself signed, valid on the fixture's clock for <paramref name="lifetime"/> (default an hour).</summary>
    internal async Task<string> MintAsync(string subject, string? creatorId, IReadOnlyCollection<string> scopes, string audience, string? tier = null, TimeSpan? lifetime = null)
    {
        var issuer = Services.GetRequiredService<AccessTokenIssuer>();
        var (token, _) = await issuer.MintAsync(new TokenRequest(subject, creatorId, scopes, lifetime ?? TimeSpan.FromHours(1), audience, tier), CancellationToken.None);
        return token;
    }

    /// <summary>Keeps Error-level entries (grpc test/FunctionalTests/Infrastructure/VerifyNoErrorsScope.cs).</summary>
    private sealed class ErrorLogCollector : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _entries = new();

        public IReadOnlyCollection<string> Entries => _entries;

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    entries.Enqueue($"{logLevel} {category} [{eventId.Id} {eventId.Name}]: {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}
