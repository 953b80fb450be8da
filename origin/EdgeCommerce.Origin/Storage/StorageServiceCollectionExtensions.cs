using EdgeCommerce.Origin.Storage.Dialects.Postgres;
using EdgeCommerce.Origin.Storage.Dialects.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EdgeCommerce.Origin.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store on the dialect chosen by <c>Storage:Provider</c> (SQLite by default) and
    /// opens it before the host starts serving. With PostgreSQL it also registers the one
    /// <see cref="NpgsqlDataSource"/> (connection pool) and the revision listener.
    /// </summary>
    public static IServiceCollection AddOriginStorage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RevisionSignal>();

        // The provider is read when the store is first resolved, not at registration, so that
        // configuration added later (hosts, test fixtures) still chooses it.
        services.TryAddSingleton(static sp =>
        {
            var connectionString = sp.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString
                ?? throw new InvalidOperationException("Storage:ConnectionString is required when Storage:Provider is Postgres.");
            return new NpgsqlDataSourceBuilder(connectionString)
                .UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>())
                .Build();
        });
        services.TryAddSingleton(static sp => new OriginStore(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider switch
            {
                StorageProvider.Postgres => new PostgresDialect(sp.GetRequiredService<NpgsqlDataSource>()),
                _ => new SqliteDialect(sp.GetRequiredService<IOptions<StorageOptions>>()),
            },
            sp.GetRequiredService<RevisionSignal>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<OriginStore>>()));
        services.TryAddSingleton<IOriginStore>(static sp => sp.GetRequiredService<OriginStore>());

        // Order matters: hosted services start in registration order, so the schema exists
        // before the listener reads the head.
        services.AddHostedService<StoreInitializer>();
        services.TryAddSingleton<PostgresRevisionListener>();
        services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == StorageProvider.Postgres
            ? sp.GetRequiredService<PostgresRevisionListener>()
            : NoListener.Instance);
        return services;
    }

    /// <summary>The SQLite store has one process and so nothing to listen for.</summary>
    private sealed class NoListener : IHostedService
    {
        public static readonly NoListener Instance = new();

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
