using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Relay;

/// <summary>
/// Checks a downstream edge's token as the origin would: audience <c>edgecommerce:origin</c>,
/// scope <c>edge:sync</c>, signed with a key of the set this relay holds (the origin's, as of its
/// replica's revision: a revoked key fails here as soon as the relay applied the revocation).
/// A separate validator from the edge's own (audience <c>edgecommerce:edge</c>, for viewers).
/// </summary>
internal sealed class RelayTokenValidator(SigningKeyRing keys, IOptions<AccessTokenOptions> options, TimeProvider timeProvider) : IDisposable
{
    private readonly AccessTokenValidator _validator = new(Audiences.Origin, keys, options, timeProvider);

    /// <summary>The token in <paramref name="authorization"/> (<c>Bearer …</c>) when it is valid and carries <c>edge:sync</c>; otherwise null (never why).</summary>
    public async ValueTask<AccessToken?> AuthenticateAsync(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var (token, _) = await _validator.ValidateAsync(BearerToken(authorization));
        return token is not null && token.HasScope(Scopes.EdgeSync) ? token : null;
    }

    /// <summary>The token in an <c>authorization</c> value that starts with <c>Bearer </c>.</summary>
    public static string BearerToken(string authorization) => authorization[Bearer.Length..].Trim();

    private const string Bearer = "Bearer ";

    public void Dispose() => _validator.Dispose();
}
