using Microsoft.AspNetCore.Http;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// Authenticates every request that carries a bearer token, in place of ASP.NET Core's
/// <c>AuthenticationMiddleware</c>: a valid token makes <see cref="HttpContext.User"/> its
/// <see cref="AccessTokenPrincipal"/>; anything else leaves the user anonymous, and the
/// authorization middleware then challenges through the scheme's handler (the one 401).
/// </summary>
/// <remarks>
/// Why not <c>UseAuthentication</c>: with a cached validation the token itself costs a digest and
/// a lookup, but the framework's middleware resolved a scoped authentication service, a handler
/// provider and a transient handler per request, built two tickets and a claims-transformation set:
/// together more than the validation (the profile in perf/RESULTS.md).
/// </remarks>
internal sealed class AccessTokenAuthenticationMiddleware(RequestDelegate next, AccessTokenAuthenticator authenticator)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.Count == 0)
        {
            return next(context);
        }

        var authentication = authenticator.AuthenticateAsync(context.Request);
        if (!authentication.IsCompletedSuccessfully)
        {
            return AuthenticateThenNextAsync(context, authentication);
        }

        SignIn(context, authentication.Result);
        return next(context);
    }

    private async Task AuthenticateThenNextAsync(HttpContext context, ValueTask<AccessTokenPrincipal?> authentication)
    {
        SignIn(context, await authentication);
        await next(context);
    }

    private static void SignIn(HttpContext context, AccessTokenPrincipal? principal)
    {
        if (principal is not null)
        {
            context.User = principal;
        }
    }
}
