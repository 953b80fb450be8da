using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Edge.Catalog;

internal static class CatalogServiceCollectionExtensions
{
    /// <summary>Widgets rendered once per creator revision, and their metrics.</summary>
    public static IServiceCollection AddCatalogWidgets(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.TryAddSingleton<WidgetMetrics>();
        services.TryAddSingleton<WidgetCache>();
        return services;
    }
}
