using System.Runtime.CompilerServices;
using System.Security.Claims;
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
    AccessTokenValidator validator,
    AuthenticationMetrics metrics) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "EdgeCommerceBearer";

    /// <summary>The one body of every 401.</summary>
    public const string UnauthorizedBody = """{"type":"https://tools.ietf.org/html/rfc6750#section-3.1","title":"Unauthorized","status":401}""";

    /// <summary>The one body of every 403.</summary>
    public const string ForbiddenBody = """{"type":"https://tools.ietf.org/html/rfc6750#section-3.1","title":"Forbidden","status":403}""";

    private static readonly object s_tokenKey = new();

    /// <summary>The validated token of the current request, if any.</summary>
    public static AccessToken? TokenOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[s_tokenKey] as AccessToken;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers.Authorization;
        if (headers.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        // The failure message is the same for every defect and never contains the token.
        if (headers.Count != 1 || headers[0] is not { } value || value.Length < 8
            || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            metrics.Rejected(TokenFailure.Malformed);
            return AuthenticateResult.Fail("invalid token");
        }

        var token = value[7..];
        var (accessToken, failure) = await validator.ValidateAsync(token);
        if (accessToken is null)
        {
            metrics.Rejected(failure);
            return AuthenticateResult.Fail("invalid token");
        }

        Context.Items[s_tokenKey] = accessToken;
        return AuthenticateResult.Success(new AuthenticationTicket(s_principals.GetValue(accessToken, CreatePrincipal), SchemeName));
    }

    /// <summary>
    /// One principal per validated token, built on its first request and kept as long as the
    /// validation cache keeps the token (the table holds it weakly): a cache hit then costs no
    /// claim allocations. Shared across requests, so nothing may add claims to it; nothing here does
    /// (no claims transformation is registered).
    /// </summary>
    private static readonly ConditionalWeakTable<AccessToken, ClaimsPrincipal> s_principals = new();

    private static ClaimsPrincipal CreatePrincipal(AccessToken accessToken)
    {
        var claims = new List<Claim>(2 + accessToken.Scopes.Count) { new("sub", accessToken.Subject) };
        if (accessToken.CreatorId is { } creator)
        {
            claims.Add(new Claim("creator", creator));
        }

        foreach (var scope in accessToken.Scopes)
        {
            claims.Add(new Claim("scope", scope));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, "sub", null));
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
