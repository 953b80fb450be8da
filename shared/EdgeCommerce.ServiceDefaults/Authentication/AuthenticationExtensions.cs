using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.ServiceDefaults.Authentication;

public static class AuthenticationExtensions
{
    private static readonly PlatformOperatorRequirement s_platformOperator = new();

    /// <summary>The validated access token of the request, if any.</summary>
    public static AccessToken? GetAccessToken(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return (context.User as AccessTokenPrincipal)?.Token;
    }

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
        services.AddMetrics();
        services.TryAddSingleton<AuthenticationMetrics>();
        services.TryAddSingleton(provider => new AccessTokenValidator(
            audience,
            provider.GetRequiredService<SigningKeyRing>(),
            provider.GetRequiredService<IOptions<AccessTokenOptions>>(),
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<FailedAuthenticationLimiter>();
        services.TryAddSingleton<AccessTokenAuthenticator>();
        services.AddAuthentication(AccessTokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, AccessTokenAuthenticationHandler>(AccessTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        // Stateless, so one for the process instead of one (with an authorization service) per request.
        services.Replace(ServiceDescriptor.Singleton<IPolicyEvaluator, AccessTokenPolicyEvaluator>());
        return services;
    }

    /// <summary>
    /// Authenticates bearer tokens (<see cref="AccessTokenAuthenticationMiddleware"/>) where
    /// <c>UseAuthentication</c> would go: before <c>UseAuthorization</c>.
    /// </summary>
    public static IApplicationBuilder UseAccessTokenAuthentication(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // What UseAuthentication records, so WebApplication does not add ASP.NET Core's
        // authentication middleware at the start of the pipeline on its own (it does when a scheme
        // is registered and this mark is missing). Were the mark ever renamed, that middleware
        // would run as well: slower, and still correct (its handler reuses the user set here).
        app.Properties["__AuthenticationMiddlewareSet"] = true;
        return app.UseMiddleware<AccessTokenAuthenticationMiddleware>();
    }

    /// <summary>Requires a valid token, whatever its scopes (401 without one).</summary>
    /// <remarks>
    /// The policies name no scheme: the token scheme is the default, so the authentication
    /// middleware has already set the user, and naming it would make the authorization middleware
    /// authenticate every request a second time.
    /// </remarks>
    public static TBuilder RequireAccessToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthorization(static policy => policy.RequireAuthenticatedUser());
    }

    /// <summary>Requires a valid token carrying exactly <paramref name="scope"/> (401 without a valid token, 403 without the scope).</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var requirement = new ScopeRequirement(scope);
        return builder.RequireAuthorization(policy => policy
            .RequireAuthenticatedUser()
            .AddRequirements(requirement));
    }

    /// <summary>
    /// Requires a platform operator's token (<c>admin:platform</c> and no <c>creator</c>): the only
    /// kind that may see every creator, the edge registry and the keys. Combines with
    /// <see cref="RequireScope{TBuilder}"/> (both must hold).
    /// </summary>
    public static TBuilder RequirePlatformOperator<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthorization(static policy => policy
            .RequireAuthenticatedUser()
            .AddRequirements(s_platformOperator));
    }

    /// <summary>
    /// Grants a request naming a creator in its route (<paramref name="routeValue"/>) only when the
    /// caller's validated token may act for that creator (<see cref="AccessToken.MayAccessCreator"/>);
    /// any other creator gets exactly what <paramref name="notFound"/> answers for a creator that
    /// does not exist, so a token for one tenant learns nothing about another. Put it after
    /// <see cref="RequireScope{TBuilder}"/>: it assumes an authenticated caller and fails closed without one.
    /// </summary>
    public static TBuilder RequireCreatorAccess<TBuilder>(this TBuilder builder, Func<string, IResult> notFound, string routeValue = "creatorId")
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(notFound);
        return builder.AddEndpointFilter(new CreatorAccessFilter(notFound, routeValue));
    }
}
