namespace EdgeCommerce.Edge.Catalog;

internal static class CatalogServiceCollectionExtensions
{
    /// <summary>Output caching for widgets, bounded in memory.</summary>
    public static IServiceCollection AddCatalogWidgets(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOutputCache(static options =>
        {
            options.AddPolicy(WidgetCachePolicy.Name, new WidgetCachePolicy());
            // 256 MB of widgets at most; a widget over 8 MB is served but not cached.
            options.SizeLimit = 256L * 1024 * 1024;
            options.MaximumBodySize = 8L * 1024 * 1024;
            // Creator ids are case-sensitive ("abc" and "ABC" are two creators): by default the
            // key upper-cases the path, and two such creators at one revision would share an entry.
            options.UseCaseSensitivePaths = true;
        });
        return services;
    }
}
