using System.Diagnostics.Metrics;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Catalog;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.Tests.Common;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Edge.Tests.Infrastructure;

/// <summary>
/// The edge host in memory, without its sync loop: tests feed the replica through
/// <see cref="ReplicaUpdater"/> exactly as the watch stream would. The clock is a
/// <see cref="FakeTimeProvider"/>, and the output-cache store is wrapped to count hits. The data
/// directory is a fresh temp directory, so a test may put a persisted replica there before the
/// host starts.
/// </summary>
public sealed class EdgeApiFixture : WebApplicationFactory<EdgeHostMarker>, IAsyncLifetime
{
    public const string EdgeId = "edge-test-1";
    public const string Region = "test-region";

    public static readonly DateTimeOffset StartTime = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ErrorLogCollector _errors = new();
    private readonly TempDirectory _data = new("edgecommerce-edge-api");
    private readonly bool _keepSyncWorker;
    private readonly Action<IServiceCollection>? _configureServices;
    private MetricCollector<long>? _widgetRequests;

    public EdgeApiFixture()
        : this(keepSyncWorker: false)
    {
    }

    /// <param name="keepSyncWorker">Keep the sync worker: it dials <c>Sync:OriginAddress</c> (nothing listens there) unless <paramref name="configureServices"/> replaces <see cref="OriginChannels"/>.</param>
    /// <param name="configureServices">Runs after the fixture's own test services.</param>
    internal EdgeApiFixture(bool keepSyncWorker, Action<IServiceCollection>? configureServices = null)
    {
        _keepSyncWorker = keepSyncWorker;
        _configureServices = configureServices;
    }

    public FakeTimeProvider Time { get; } = new(StartTime);

    /// <summary>Error-level logs the host wrote; tests expect none.</summary>
    public IReadOnlyList<string> ErrorLogs => _errors.Errors;

    /// <summary>Level and EventId of every log entry at Warning or above (the host's configured minimum).</summary>
    public IReadOnlyList<(LogLevel Level, int EventId)> LogEvents => _errors.Events;

    /// <summary>Edge:DataDirectory of this host.</summary>
    public string DataDirectory => _data.Path;

    internal ReplicaHolder Holder => Services.GetRequiredService<ReplicaHolder>();

    internal ReplicaUpdater Updater => Services.GetRequiredService<ReplicaUpdater>();

    internal SyncState SyncState => Services.GetRequiredService<SyncState>();

    internal CountingOutputCacheStore CacheStore => (CountingOutputCacheStore)Services.GetRequiredService<IOutputCacheStore>();

    public ValueTask InitializeAsync()
    {
        // Builds and starts the in-memory server.
        _ = Server;
        _widgetRequests = new MetricCollector<long>(Services.GetRequiredService<IMeterFactory>(), WidgetMetrics.MeterName, WidgetMetrics.RequestsName);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Widget requests this host counted so far, by <c>result</c> tag (<c>hit</c>, <c>miss</c>, …),
    /// read from the <c>edgecommerce.catalog.widget.requests</c> counter the way an exporter sees it.
    /// Tests of one class run one after another, so a test compares counts before and after.
    /// </summary>
    public long WidgetRequests(string result)
        => (_widgetRequests ?? throw new InvalidOperationException("Call InitializeAsync first."))
            .GetMeasurementSnapshot()
            .Where(m => m.Tags.TryGetValue("result", out var value) && (string?)value == result)
            .Sum(static m => m.Value);

    /// <summary>Replaces the replica with <paramref name="catalogs"/>, all stamped with the next revision.</summary>
    internal async Task<long> ApplySnapshotAsync(CreatorCatalog[] catalogs, CancellationToken cancellationToken)
    {
        var revision = Holder.Current.Revision + 1;
        foreach (var catalog in catalogs)
        {
            catalog.Revision = revision;
        }

        await Updater.ApplySnapshotAsync(CatalogData.Snapshot(revision, catalogs), cancellationToken);
        // Data arrives over a stream: the link is up (widgets served now are not stale).
        SyncState.OnMessage(revision);
        return revision;
    }

    /// <summary>
    /// Upserts <paramref name="catalog"/> at the next revision in a one-change batch, as the
    /// stream would; applies an empty snapshot first when the replica has none.
    /// </summary>
    internal async Task<long> UpsertAsync(CreatorCatalog catalog, CancellationToken cancellationToken)
    {
        if (!Holder.Current.HasSnapshot)
        {
            await ApplySnapshotAsync([], cancellationToken);
        }

        var previous = Holder.Current.Revision;
        catalog.Revision = previous + 1;
        await Updater.ApplyBatchAsync(CatalogData.Batch(previous, catalog.Revision, CatalogData.Upsert(catalog)), cancellationToken);
        SyncState.OnMessage(catalog.Revision);
        return catalog.Revision;
    }

    /// <summary>
    /// Applies one drop change at the next revision in a one-change batch, as the stream would;
    /// <paramref name="dropAt"/> builds the drop's state for that revision.
    /// </summary>
    internal async Task<long> ApplyDropAsync(Func<long, DropState> dropAt, CancellationToken cancellationToken)
    {
        var revision = Holder.Current.Revision + 1;
        await Updater.ApplyBatchAsync(CatalogData.Batch(revision - 1, revision, new Change { Revision = revision, DropChanged = dropAt(revision) }), cancellationToken);
        return revision;
    }

    /// <summary>Deletes <paramref name="creatorId"/> at the next revision in a one-change batch.</summary>
    internal async Task<long> DeleteAsync(string creatorId, CancellationToken cancellationToken)
    {
        var previous = Holder.Current.Revision;
        await Updater.ApplyBatchAsync(CatalogData.Batch(previous, previous + 1, CatalogData.Delete(previous + 1, creatorId)), cancellationToken);
        return previous + 1;
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:Id"] = EdgeId,
            ["Edge:Region"] = Region,
            // Nothing listens there; the sync worker is removed below unless a test keeps it.
            ["Sync:OriginAddress"] = "http://127.0.0.1:1",
            ["Sync:Token"] = "not-a-real-token",
            // Each host persists its replica in its own directory.
            ["Edge:DataDirectory"] = _data.Path,
            ["Logging:LogLevel:Default"] = "Warning",
            // TestServer connections have no remote address; /metrics and /dashboard answer loopback only otherwise.
            ["Observability:AllowRemote"] = "true",
        }));
        builder.ConfigureLogging(logging => logging.AddProvider(_errors));
        return base.CreateHost(builder);
    }

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        builder.ConfigureTestServices(services =>
        {
            if (!_keepSyncWorker)
            {
                services.Remove(services.Single(static d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(SyncWorker)));
            }

            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);

            var store = services.Single(static d => d.ServiceType == typeof(IOutputCacheStore));
            var createInner = store.ImplementationFactory
                ?? throw new InvalidOperationException("Expected the output-cache store to be registered with a factory.");
            services.Remove(store);
            services.AddSingleton<IOutputCacheStore>(provider => new CountingOutputCacheStore((IOutputCacheStore)createInner(provider)));
            _configureServices?.Invoke(services);
        });
    }

    public override async ValueTask DisposeAsync()
    {
        _widgetRequests?.Dispose();
        await base.DisposeAsync();
        _data.Dispose();
    }
}
