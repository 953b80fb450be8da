using System.Collections.Concurrent;
using System.Net;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Tests.Common;
using Microsoft.AspNetCore.Builder;
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
    private readonly bool _loopbackRemoteAddress;
    private readonly ErrorLogCollector _errors = new();
    private readonly IReadOnlyDictionary<string, string?> _settings;

    public OriginApiFixture()
        : this(loopbackRemoteAddress: true)
    {
    }

    /// <param name="loopbackRemoteAddress">
    /// TestServer leaves <c>RemoteIpAddress</c> null, which the admin API's loopback filter refuses;
    /// true sets it to loopback, false keeps TestServer's null to test that refusal.
    /// </param>
    /// <param name="settings">Configuration added over this fixture's own (for example <c>Routing:*</c>).</param>
    internal OriginApiFixture(bool loopbackRemoteAddress, IReadOnlyDictionary<string, string?>? settings = null)
    {
        _loopbackRemoteAddress = loopbackRemoteAddress;
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
        }).AddInMemoryCollection(_settings));
        return base.CreateHost(builder);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(TimeProvider);
            services.AddSingleton<ILoggerProvider>(_errors);
            if (_loopbackRemoteAddress)
            {
                services.AddSingleton<IStartupFilter, LoopbackRemoteAddressStartupFilter>();
            }
        });
    }

    /// <summary>Makes every request look like it came from 127.0.0.1, as a local admin's would.</summary>
    private sealed class LoopbackRemoteAddressStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(static (context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Loopback;
                return nextMiddleware(context);
            });
            next(app);
        };
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
