using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Origin.Edges;

internal static class EdgesServiceCollectionExtensions
{
    /// <summary>The edge registry, its flusher to the store, and the directory the APIs read.</summary>
    public static IServiceCollection AddEdgeRegistry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<RoutingOptions>()
            .BindConfiguration(RoutingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EdgeRegistry>();
        services.TryAddSingleton<EdgeDirectory>();
        services.AddHostedService<EdgeRegistryFlusher>();
        return services;
    }
}
