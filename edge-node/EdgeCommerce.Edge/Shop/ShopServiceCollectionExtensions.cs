using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Shop;

internal static class ShopServiceCollectionExtensions
{
    /// <summary>The shop page and its assets, creators' site origins, and CORS limited to them.</summary>
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
        // Policies come from the creator each request is about, not from fixed named policies.
        services.Replace(ServiceDescriptor.Singleton<ICorsPolicyProvider, SiteCorsPolicyProvider>());
        return services;
    }
}
