using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Drops;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        services.TryAddSingleton<LeaseBatchWriter>();
        services.TryAddSingleton<LeasePlacementPolicy>();
        services.TryAddSingleton<Report.DropFunnelIngest>();
        services.AddHostedService(static sp => sp.GetRequiredService<Report.DropFunnelIngest>());
        // Drops live in the same database and change log as catalogs: the store implements both
        // contracts. A test double of IOriginStore that is not also a drop store falls back to the
        // configured real store.
        services.TryAddSingleton<IDropStore>(static sp => sp.GetRequiredService<IOriginStore>() as IDropStore
            ?? sp.GetRequiredService<OriginStore>());
        return services;
    }

    public static IEndpointRouteBuilder MapDrops(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapDropsApi();
        Report.DropReportApi.MapDropReportApi(endpoints);
        Report.DropReportPage.MapDropReportPage(endpoints);
        // Edges only, as on the sync stream: their channels carry the edge:sync token (audience
        // origin); a lease is also checked against the edge the token was issued to.
        endpoints.MapGrpcService<DropInventoryService>().RequireScope(Scopes.EdgeSync);
        return endpoints;
    }
}
