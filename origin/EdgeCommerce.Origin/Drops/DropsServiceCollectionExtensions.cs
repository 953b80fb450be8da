using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Drops;
using EdgeCommerce.Origin.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Drops;

internal static class DropsServiceCollectionExtensions
{
    /// <summary>Drops: the admin API's options, the inventory gRPC service's metrics, and the drop store (the origin store itself).</summary>
    public static IServiceCollection AddDrops(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<DropsOptions>()
            .BindConfiguration(DropsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DropMetrics>();
        // Drops live in the same database and change log as catalogs: the store implements both
        // contracts. A test double of IOriginStore that is not also a drop store falls back to the
        // configured real store.
        services.TryAddSingleton<IDropStore>(static sp => sp.GetRequiredService<IOriginStore>() as IDropStore
            ?? (sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == StorageProvider.Postgres
                ? sp.GetRequiredService<PostgresOriginStore>()
                : sp.GetRequiredService<SqliteOriginStore>()));
        return services;
    }

    public static IEndpointRouteBuilder MapDrops(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapDropsApi();
        // REVIEW: edges call this on the sync channels, whose call credentials carry the edge's
        // token once the gRPC sync requires `edge:sync` (issue 4, in flight): give this service the
        // same requirement as CatalogSyncService then. Until that lands the gRPC port is as open as
        // the sync stream is.
        endpoints.MapGrpcService<DropInventoryService>();
        return endpoints;
    }
}
