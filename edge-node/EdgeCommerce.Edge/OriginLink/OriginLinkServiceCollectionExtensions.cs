using EdgeCommerce.ServiceDefaults.Observability;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Edge.OriginLink;

internal static class OriginLinkServiceCollectionExtensions
{
    /// <summary>The resilience pipeline of the edge's calls to the origin (<see cref="OriginCalls"/>), its metrics and dashboard tile.</summary>
    public static IServiceCollection AddOriginLink(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<OriginCallOptions>()
            .BindConfiguration(OriginCallOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OriginLinkMetrics>();
        services.TryAddSingleton<OriginCalls>();
        services.AddSingleton<IDashboardTile, OriginCircuitTile>();
        return services;
    }
}
