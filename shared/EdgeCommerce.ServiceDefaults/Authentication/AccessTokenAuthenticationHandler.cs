using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c> → an <see cref="AccessToken"/>. Every defect gets the
/// same 401 (fixed body, <c>WWW-Authenticate: Bearer</c>) so a caller learns nothing about why;
/// a good token without the scope gets 403 <c>insufficient_scope</c>. The token is never logged.
/// </summary>
public sealed class AccessTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessTokenAuthenticator authenticator) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "EdgeCommerceBearer";

    /// <summary>The one body of every 401.</summary>
    public const string UnauthorizedBody = """{"type":"https://tools.ietf.org/html/rfc6750#section-3.1","title":"Unauthorized","status":401}""";

    /// <summary>The one body of every 403.</summary>
    public const string ForbiddenBody = """{"type":"https://tools.ietf.org/html/rfc6750#section-3.1","title":"Forbidden","status":403}""";

    /// <summary>
    /// Asked explicitly (<c>HttpContext.AuthenticateAsync</c>, a policy naming this scheme): the
    /// user the token middleware already authenticated, or the same validation it runs.
    /// </summary>
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Context.User is AccessTokenPrincipal authenticated)
        {
            return AuthenticateResult.Success(new AuthenticationTicket(authenticated, SchemeName));
        }

        if (Request.Headers.Authorization.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        // The failure message is the same for every defect and never contains the token.
        return await authenticator.AuthenticateAsync(Request) is { } principal
            ? AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName))
            : AuthenticateResult.Fail("invalid token");
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        Response.Headers.CacheControl = "no-store";
        Response.ContentType = "application/problem+json";
        return Response.WriteAsync(UnauthorizedBody, Context.RequestAborted);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        Response.Headers.WWWAuthenticate = "Bearer error=\"insufficient_scope\"";
        Response.Headers.CacheControl = "no-store";
        Response.ContentType = "application/problem+json";
        return Response.WriteAsync(ForbiddenBody, Context.RequestAborted);
    }
}
