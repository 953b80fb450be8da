using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.ServiceDefaults.Authentication;

public static class AuthenticationExtensions
{
    /// <summary>
    /// Bearer access tokens for <paramref name="audience"/>, validated locally against the
    /// <see cref="SigningKeyRing"/> (which the host fills: the origin from its store, an edge from
    /// the sync stream). Endpoints opt in with <see cref="RequireScope{TBuilder}"/>.
    /// </summary>
    public static IServiceCollection AddAccessTokenAuthentication(this IServiceCollection services, string audience)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<AccessTokenOptions>()
            .BindConfiguration(AccessTokenOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SigningKeyRing>();
        services.TryAddSingleton(provider => new AccessTokenValidator(
            audience,
            provider.GetRequiredService<SigningKeyRing>(),
            provider.GetRequiredService<IOptions<AccessTokenOptions>>(),
            provider.GetRequiredService<TimeProvider>()));
        services.AddAuthentication(AccessTokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, AccessTokenAuthenticationHandler>(AccessTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        return services;
    }

    /// <summary>Requires a valid token carrying exactly <paramref name="scope"/> (401 without a valid token, 403 without the scope).</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthorization(policy => policy
            .AddAuthenticationSchemes(AccessTokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireClaim("scope", scope));
    }
}
