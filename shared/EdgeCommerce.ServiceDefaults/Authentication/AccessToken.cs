using System.Collections.Frozen;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// What a validated token grants. The tenant comes only from here (the signed <c>creator</c>
/// claim): ids in paths name the resource asked for, never the caller's tenant.
/// </summary>
/// <param name="Subject">The viewer, admin or edge the token was issued to (<c>sub</c>).</param>
/// <param name="CreatorId">The tenant (<c>creator</c>); null for a platform operator or an edge.</param>
/// <param name="Scopes">Granted scopes, exact strings.</param>
/// <param name="Tier">The viewer's membership tier, if any.</param>
/// <param name="ExpiresAt">When the token stops being valid.</param>
/// <param name="KeyId">The signing key (<c>kid</c>), so revoking a key can drop cached validations.</param>
/// <param name="TokenId">The token's unique id (<c>jti</c>).</param>
public sealed record AccessToken(
    string Subject,
    string? CreatorId,
    FrozenSet<string> Scopes,
    string? Tier,
    DateTimeOffset ExpiresAt,
    string KeyId,
    string TokenId)
{
    public bool HasScope(string scope) => Scopes.Contains(scope);

    /// <summary>A platform operator: <c>admin:platform</c> and no tenant.</summary>
    public bool IsPlatformOperator => CreatorId is null && HasScope(ServiceDefaults.Authentication.Scopes.AdminPlatform);

    /// <summary>
    /// True when this token may act on <paramref name="creatorId"/>'s resources: its own tenant, or
    /// any tenant for a platform operator. Callers answer a refusal exactly like "not found".
    /// </summary>
    public bool MayAccessCreator(string creatorId) => IsPlatformOperator || string.Equals(CreatorId, creatorId, StringComparison.Ordinal);

    /// <summary>
    /// True when this token is a viewer of <paramref name="creatorId"/>: its own tenant only. Unlike
    /// <see cref="MayAccessCreator"/> a platform operator is no one's viewer: what a viewer does
    /// (reserve, buy, RSVP, queue) is recorded under the viewer <c>(creator, sub)</c>, and a token
    /// without a creator has no such identity. Callers answer a refusal exactly like "not found".
    /// </summary>
    public bool IsViewerOf(string creatorId) => CreatorId is not null && string.Equals(CreatorId, creatorId, StringComparison.Ordinal);
}
