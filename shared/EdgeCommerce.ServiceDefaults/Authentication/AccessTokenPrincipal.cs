using System.Runtime.CompilerServices;
using System.Security.Claims;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// The user of a request that presented a valid token: the usual claims (<c>sub</c>,
/// <c>creator</c>, one <c>scope</c> claim per scope) for anything that reads claims, and the typed
/// <see cref="Token"/> for this project's checks. One instance per validated token, built on its
/// first request and shared by every request that presents it while the validation cache keeps it,
/// so a cache hit allocates no claims. Shared, so nothing may add claims to it (no claims
/// transformation is registered).
/// </summary>
public sealed class AccessTokenPrincipal : ClaimsPrincipal
{
    private static readonly ConditionalWeakTable<AccessToken, AccessTokenPrincipal> s_principals = new();

    private AccessTokenPrincipal(AccessToken token)
        : base(new ClaimsIdentity(ClaimsOf(token), AccessTokenAuthenticationHandler.SchemeName, "sub", null))
        => Token = token;

    /// <summary>What the validated token grants.</summary>
    public AccessToken Token { get; }

    /// <summary>The principal of <paramref name="token"/>, held (weakly) as long as the token is.</summary>
    public static AccessTokenPrincipal For(AccessToken token) => s_principals.GetValue(token, static t => new AccessTokenPrincipal(t));

    private static List<Claim> ClaimsOf(AccessToken token)
    {
        var claims = new List<Claim>(2 + token.Scopes.Count) { new("sub", token.Subject) };
        if (token.CreatorId is { } creator)
        {
            claims.Add(new Claim("creator", creator));
        }

        foreach (var scope in token.Scopes)
        {
            claims.Add(new Claim("scope", scope));
        }

        return claims;
    }
}
