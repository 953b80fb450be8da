using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Shop;

internal static class ShopServiceCollectionExtensions
{
    /// <summary>The shop page and its assets, creators' site origins, CORS limited to them, and the output cache of the drop list.</summary>
    public static IServiceCollection AddShop(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<ShopOptions>()
            .BindConfiguration(ShopOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ShopOptions>, ShopOptionsValidator>());
        services.TryAddSingleton<SiteOrigins>();
        services.TryAddSingleton<ShopAssets>();
        services.TryAddSingleton<ShopPages>();
        services.AddCors();
        // The creator's public drop list (CreatorDropsCachePolicy): a few KB per creator, origin and state.
        services.AddOutputCache(static options =>
        {
            options.SizeLimit = 32L * 1024 * 1024;
            options.MaximumBodySize = 1024 * 1024;
            // Creator ids are case-sensitive ("abc" and "ABC" are two creators): by default the
            // key upper-cases the path, and two such creators would share an entry.
            options.UseCaseSensitivePaths = true;
        });
        // Policies come from the creator each request is about, not from fixed named policies.
        services.Replace(ServiceDescriptor.Singleton<ICorsPolicyProvider, SiteCorsPolicyProvider>());
        return services;
    }
}
