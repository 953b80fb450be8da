using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Keys;

internal static class KeysServiceCollectionExtensions
{
    /// <summary>Signing keys, token minting and the origin's own token validation (audience <c>edgecommerce:origin</c>).</summary>
    public static IServiceCollection AddSigningKeys(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<KeysOptions>()
            .BindConfiguration(KeysOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<KeysOptions>, KeysOptionsSetup>());
        services.AddAccessTokenAuthentication(Audiences.Origin);
        services.TryAddSingleton<SigningKeySealer>();
        services.TryAddSingleton<SigningKeyManager>();
        services.TryAddSingleton<AccessTokenIssuer>();
        services.TryAddSingleton<BootstrapToken>();
        services.AddHostedService<KeyMaintenance>();
        return services;
    }
}
