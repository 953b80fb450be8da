using EdgeCommerce.Edge.RateLimiting;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCommerce.Edge.Viewers;

/// <summary><c>GET /v1/me</c>: what the caller's token grants, validated on this edge with the keys the origin published.</summary>
internal static class ViewerApi
{
    public static IEndpointRouteBuilder MapViewerApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/v1/me", GetMe)
            .RequireAccessToken()
            .RequireViewerRateLimits()
            .WithTags("Viewers")
            .WithName("GetMe")
            .WithSummary("The subject, creator, scopes and tier of the caller's token. 401 for any token defect.");
        return endpoints;
    }

    internal static Ok<MeResponse> GetMe(HttpContext context)
    {
        var token = context.GetAccessToken()!;
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new MeResponse(token.Subject, token.CreatorId, [.. token.Scopes.Order(StringComparer.Ordinal)], token.Tier, token.ExpiresAt));
    }
}

internal sealed record MeResponse(string Subject, string? CreatorId, IReadOnlyList<string> Scopes, string? Tier, DateTimeOffset ExpiresAt);
