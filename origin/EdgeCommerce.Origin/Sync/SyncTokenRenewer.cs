using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.ServiceDefaults.Authentication;

namespace EdgeCommerce.Origin.Sync;

/// <summary>
/// Keeps one edge's <c>edge:sync</c> token fresh over its stream (protocol 2): once less than half
/// of <c>Auth:MaxLifetime</c> is left, or the key that signed it no longer signs (a rotation), the
/// origin mints a new one for the same edge, with the longest lifetime, and sends it, so an edge
/// that stays connected never finds its token expired when it reconnects.
/// </summary>
/// <remarks>
/// Only while the token the stream was opened with is itself still good: unexpired and signed by a
/// key that was not revoked (nor retired). Otherwise a stolen token would buy fresh ones forever.
/// The session ends such a stream; the edge comes back with a token renewed earlier, or one an
/// operator gives it.
/// </remarks>
internal sealed class SyncTokenRenewer(string edgeId, AccessToken presented, AccessTokenIssuer issuer, SigningKeyManager keys, TimeSpan maxLifetime, TimeProvider timeProvider)
{
    private DateTimeOffset _expiresAt = presented.ExpiresAt;
    private string _keyId = presented.KeyId;

    /// <summary>A renewal to send now, or null when the token the edge holds is still good.</summary>
    public async Task<WatchResponse?> RenewIfDueAsync(CancellationToken cancellationToken)
    {
        if (!PresentedStillValid())
        {
            return null;
        }

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

    /// <summary>The token the stream was opened with is unexpired and its key still published (not revoked, not retired).</summary>
    internal bool PresentedStillValid()
    {
        var now = timeProvider.GetUtcNow();
        return now < presented.ExpiresAt
            && keys.Keys.Any(key => string.Equals(key.KeyId, presented.KeyId, StringComparison.Ordinal) && !key.Revoked && (key.RetireAt is not { } at || at > now));
    }
}
