using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.ServiceDefaults.Authentication;

namespace EdgeCommerce.Origin.Sync;

/// <summary>
/// Keeps one edge's <c>edge:sync</c> token fresh over its stream (protocol 2): once less than half
/// of <c>Auth:MaxLifetime</c> is left, or the key that signed it no longer signs (a rotation, a
/// revocation), the origin mints a new one for the same edge, with the longest lifetime, and sends
/// it. Without this an edge whose token expired or whose key was revoked could never reconnect.
/// The stream itself stays up: authorization is checked when a stream opens.
/// </summary>
internal sealed class SyncTokenRenewer(string edgeId, AccessToken presented, AccessTokenIssuer issuer, SigningKeyManager keys, TimeSpan maxLifetime, TimeProvider timeProvider)
{
    private DateTimeOffset _expiresAt = presented.ExpiresAt;
    private string _keyId = presented.KeyId;

    /// <summary>A renewal to send now, or null when the token the edge holds is still good.</summary>
    public async Task<WatchResponse?> RenewIfDueAsync(CancellationToken cancellationToken)
    {
        var halfLifeLeft = _expiresAt - timeProvider.GetUtcNow() < maxLifetime / 2;
        var keyStillSigns = keys.TrySigningKey()?.KeyId is not { } signing || string.Equals(signing, _keyId, StringComparison.Ordinal);
        if (!halfLifeLeft && keyStillSigns)
        {
            return null;
        }

        var (token, expiresAt) = await issuer.MintAsync(new TokenRequest(edgeId, null, [Scopes.EdgeSync], maxLifetime, Audiences.Origin), cancellationToken);
        _expiresAt = expiresAt;
        _keyId = keys.TrySigningKey()?.KeyId ?? _keyId;
        return new WatchResponse { TokenRenewal = new SyncTokenRenewal { Token = token, ExpiresAtUnix = expiresAt.ToUnixTimeSeconds() } };
    }
}
