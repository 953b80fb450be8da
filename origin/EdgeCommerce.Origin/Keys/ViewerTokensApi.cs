using EdgeCommerce.Origin.CatalogAdmin;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Keys;

/// <summary>
/// <c>POST /admin/v1/creators/{creatorId}/viewer-tokens</c>: what a creator's site calls (with that
/// creator's admin token) when a viewer signs in, to hand the browser a short-lived token for the
/// edges. The scopes are fixed (recommendations, RSVP, reserve) and the tenant is the one in the
/// path, which the caller's own token must be allowed to act for.
/// </summary>
internal static class ViewerTokensApi
{
    /// <summary>What every viewer token grants: nothing administrative, only that creator's viewer calls.</summary>
    public static readonly string[] ViewerScopes = [Scopes.RecommendationsRead, Scopes.DropRsvp, Scopes.DropReserve];

    public static IEndpointRouteBuilder MapViewerTokensApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/admin/v1/creators/{creatorId}/viewer-tokens", MintViewerToken)
            .RequireScope(Scopes.AdminViewers)
            .RequireCreatorAccess(CatalogAdminApi.CreatorNotFound)
            .WithTags("Keys")
            .WithName("MintViewerToken")
            .WithSummary("Mints a short-lived viewer token for one creator's edges (scopes recs:read drop:rsvp drop:reserve).");
        return endpoints;
    }

    internal static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> MintViewerToken(
        string creatorId,
        ViewerTokenRequest request,
        AccessTokenIssuer issuer,
        IOptions<KeysOptions> options,
        HttpContext context,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var viewerId = request.ViewerId ?? "";
        TokenRules.CheckSubject(viewerId, "viewerId", errors);
        TokenRules.CheckLifetime(request.TtlSeconds, options.Value.MaxViewerTokenLifetime, errors);
        TokenRules.CheckTier(request.Tier, errors);
        if (errors.Count > 0)
        {
            return TokenRules.Invalid(errors);
        }

        var (token, expiresAt) = await issuer.MintAsync(new TokenRequest(viewerId, creatorId, ViewerScopes,
            TimeSpan.FromSeconds(request.TtlSeconds ?? 900), Audiences.Edge, request.Tier), cancellationToken);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new TokenResponse(token, expiresAt));
    }
}

/// <param name="ViewerId">The viewer as the creator's site knows them; becomes the token's <c>sub</c>.</param>
/// <param name="TtlSeconds">Lifetime in seconds; the default is 900, at most <c>Keys:MaxViewerTokenLifetime</c>.</param>
/// <param name="Tier">The viewer's membership tier (drops can open early for a tier).</param>
internal sealed record ViewerTokenRequest(string? ViewerId, long? TtlSeconds, string? Tier);
