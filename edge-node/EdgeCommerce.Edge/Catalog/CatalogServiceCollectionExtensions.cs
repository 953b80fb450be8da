using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Edge.Catalog;

internal static class CatalogServiceCollectionExtensions
{
    /// <summary>Widgets rendered once per creator revision, their metrics, and output caching for other creator-derived responses.</summary>
    public static IServiceCollection AddCatalogWidgets(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.TryAddSingleton<WidgetMetrics>();
        services.TryAddSingleton<WidgetCache>();
        services.AddOutputCache(static options =>
        {
            // 256 MB at most; a response over 8 MB is served but not cached.
            options.SizeLimit = 256L * 1024 * 1024;
            options.MaximumBodySize = 8L * 1024 * 1024;
            // Creator ids are case-sensitive ("abc" and "ABC" are two creators): by default the
            // key upper-cases the path, and two such creators at one revision would share an entry.
            options.UseCaseSensitivePaths = true;
        });
        return services;
    }
}
