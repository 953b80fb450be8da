using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Edges;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCommerce.Origin.Edges;

/// <summary>The edge registry for admins, and the public nearest-edge lookup for browsers.</summary>
internal static class EdgesApi
{
    public static IEndpointRouteBuilder MapEdgesApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        endpoints.MapGet("/admin/v1/edges", ListEdges)
            .RequirePlatformOperator()
            .WithTags("Edges")
            .WithName("ListEdges")
            .WithSummary("Every known edge with its applied revision, lag in revisions and seconds, and link state.");
        var edge = endpoints.MapGroup("/admin/v1/edges/{edgeId}").WithTags("Edges").RequirePlatformOperator();
        edge.MapPost("/revoke", Revoke).WithName("RevokeEdge")
            .WithSummary("Revokes one edge: its streams end, its tokens are refused for sync and drops, nearest routing drops it, and it cannot reconnect until allowed.");
        edge.MapPost("/allow", Allow).WithName("AllowEdge").WithSummary("Lifts an edge's revocation: it may connect again (with a valid token).");
        endpoints.MapGet("/v1/edges/nearest", Nearest)
            .CacheOutput(NearestEdgesCachePolicy.PolicyName)
            .WithTags("Edges")
            .WithName("NearestEdges")
            .WithSummary("Healthy edges for a browser in the given region, nearest first. Public: only regions and URLs.");
        return endpoints;
    }

    internal static async Task<Ok<EdgeList>> ListEdges(EdgeDirectory directory, HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(await directory.ListAsync(cancellationToken));
    }

    internal static async Task<Results<Ok<EdgeRevocationResponse>, ProblemHttpResult>> Revoke(
        string edgeId, EdgeRevocations revocations, EdgeRegistry registry, IOriginStore store, ILogger<EdgeRevocations> logger, CancellationToken cancellationToken)
    {
        if (!await IsKnownAsync(edgeId, registry, store, cancellationToken))
        {
            return UnknownEdge(edgeId);
        }

        await revocations.RevokeAsync(edgeId, cancellationToken);
        EdgesLog.EdgeRevoked(logger, edgeId);
        return TypedResults.Ok(new EdgeRevocationResponse(edgeId, Revoked: true));
    }

    internal static async Task<Results<Ok<EdgeRevocationResponse>, ProblemHttpResult>> Allow(
        string edgeId, EdgeRevocations revocations, EdgeRegistry registry, IOriginStore store, ILogger<EdgeRevocations> logger, CancellationToken cancellationToken)
    {
        // A revoked edge is known even when its registry entry is gone.
        if (!await revocations.AllowAsync(edgeId, cancellationToken) && !await IsKnownAsync(edgeId, registry, store, cancellationToken))
        {
            return UnknownEdge(edgeId);
        }

        EdgesLog.EdgeAllowed(logger, edgeId);
        return TypedResults.Ok(new EdgeRevocationResponse(edgeId, Revoked: false));
    }

    /// <summary>An edge this origin has heard of: in the store's registry, or connected here and not yet flushed.</summary>
    private static async Task<bool> IsKnownAsync(string edgeId, EdgeRegistry registry, IOriginStore store, CancellationToken cancellationToken)
        => Identifiers.IsValid(edgeId)
            && (registry.Local().Any(e => string.Equals(e.Id, edgeId, StringComparison.Ordinal))
                || (await store.ListEdgesAsync(cancellationToken)).Any(e => string.Equals(e.Id, edgeId, StringComparison.Ordinal)));

    private static ProblemHttpResult UnknownEdge(string edgeId)
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such edge.",
            detail: Identifiers.IsValid(edgeId) ? $"No edge '{edgeId}' has ever connected to this origin." : "edge ids " + Identifiers.Rule + ".");

    internal static async Task<IResult> Nearest(string? region, EdgeDirectory directory, HttpContext context, CancellationToken cancellationToken)
    {
        if (region is not null && (region.Length is 0 or > 64 || !region.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["region"] = ["must be 1-64 characters of ASCII letters, digits, '-', '_' or '.'"],
            })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The region is not valid.",
            });
        }

        var answer = await directory.NearestAnswerAsync(region, cancellationToken);
        context.Items[NearestEdgesCachePolicy.AnswerKey] = answer;
        // Browsers and embed scripts may cache the answer briefly; health changes within seconds.
        context.Response.Headers.CacheControl = "public, max-age=5";
        // Creators' pages ask this from their own origin (the edge's /embed.js): public data, no
        // credentials, a simple GET, so any site may read it.
        context.Response.Headers.AccessControlAllowOrigin = "*";
        return TypedResults.Ok(new NearestEdgesResponse(region, answer.Edges.Select(static e => new NearestEdge(e.Region, e.Url)).ToList()));
    }
}

internal sealed record EdgeRevocationResponse(string EdgeId, bool Revoked);

internal sealed record NearestEdgesResponse(string? Region, IReadOnlyList<NearestEdge> Edges);

internal sealed record NearestEdge(string Region, string Url);
