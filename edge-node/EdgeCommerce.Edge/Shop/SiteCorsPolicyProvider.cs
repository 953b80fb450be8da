using EdgeCommerce.Edge.Sync;
using Microsoft.AspNetCore.Cors.Infrastructure;

namespace EdgeCommerce.Edge.Shop;

/// <summary>
/// Resolves the CORS policy of a viewer endpoint from the creator the request is about, so a
/// creator's site may call the edge for its own shop and no other site may. The policy name
/// (<see cref="SiteCors"/>) says where the creator is: the route, the query, or the drop the
/// route names (looked up in the replica). Anything unknown gets <see cref="SiteOrigins.Nobody"/>:
/// a preflight without any <c>Access-Control-Allow-*</c> header, which the browser refuses.
/// </summary>
internal sealed class SiteCorsPolicyProvider(SiteOrigins origins, ReplicaHolder holder) : ICorsPolicyProvider
{
    public Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName)
    {
        var creatorId = policyName switch
        {
            SiteCors.CreatorInRoute => context.Request.RouteValues["creatorId"] as string,
            SiteCors.CreatorInQuery => context.Request.Query["creatorId"] is { Count: 1 } query ? query[0] : null,
            SiteCors.DropInRoute => context.Request.RouteValues["dropId"] is string dropId ? holder.Current.FindDrop(dropId)?.CreatorId : null,
            _ => null,
        };
        return Task.FromResult<CorsPolicy?>(origins.PolicyFor(creatorId));
    }
}

/// <summary>The CORS policy names of <see cref="SiteCorsPolicyProvider"/>: where an endpoint's creator is.</summary>
internal static class SiteCors
{
    public const string CreatorInRoute = "site:creator-route";
    public const string CreatorInQuery = "site:creator-query";
    public const string DropInRoute = "site:drop-route";
}
