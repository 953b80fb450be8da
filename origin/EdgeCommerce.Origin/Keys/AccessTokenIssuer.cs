using System.Security.Cryptography;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeCommerce.Origin.Keys;

/// <summary>What a token should say.</summary>
/// <param name="Subject">The viewer, admin or edge (<c>sub</c>).</param>
/// <param name="CreatorId">The tenant; null for a platform operator or an edge.</param>
/// <param name="Scopes">Exact scope strings.</param>
/// <param name="Lifetime">How long it is valid; at most <c>Auth:MaxLifetime</c>.</param>
/// <param name="Audience"><see cref="Audiences.Edge"/> or <see cref="Audiences.Origin"/>.</param>
/// <param name="Tier">A viewer's membership tier, optional.</param>
internal sealed record TokenRequest(string Subject, string? CreatorId, IReadOnlyCollection<string> Scopes, TimeSpan Lifetime, string Audience, string? Tier = null);

/// <summary>Mints ES256 access tokens (RFC 9068 shape: typ at+jwt, kid, iss, aud, sub, iat, nbf, exp, jti, scope).</summary>
internal sealed class AccessTokenIssuer(SigningKeyManager keys, IOptions<AccessTokenOptions> tokenOptions, TimeProvider timeProvider)
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    // Not the process-wide default factory, whose cache of signature providers (keyed by the public
    // key) outlives this host: a host restarted in the same process on the same store would sign
    // with a provider over the previous host's disposed key. Minting is not a hot path.
    private readonly CryptoProviderFactory _crypto = new() { CacheSignatureProviders = false };

    public async Task<(string Token, DateTimeOffset ExpiresAt)> MintAsync(TokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Lifetime <= TimeSpan.Zero || request.Lifetime > tokenOptions.Value.MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "The lifetime must be positive and at most Auth:MaxLifetime.");
        }

        var (keyId, key) = await keys.GetSigningKeyAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        // Whole seconds: NumericDate has no fractions, and validators reject them.
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var expires = issuedAt + request.Lifetime;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sub"] = request.Subject,
            ["scope"] = string.Join(' ', request.Scopes),
            ["jti"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
        };
        if (request.CreatorId is not null)
        {
            claims["creator"] = request.CreatorId;
        }

        if (request.Tier is not null)
        {
            claims["tier"] = request.Tier;
        }

        // Low-S: validators refuse a signature's malleated (high-S) twin, so only the low one is minted.
        var token = EcdsaSignature.ToLowS(_handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = keys.Issuer,
            Audience = request.Audience,
            Claims = claims,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = expires.UtcDateTime,
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.EcdsaSha256) { CryptoProviderFactory = _crypto },
        }));
        return (token, expires);
    }
}
