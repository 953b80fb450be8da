using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Edge.RateLimiting;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary><c>GET /v1/recommendations?creatorId=ID&amp;k=N</c>: the viewer's top K in-stock products of one creator.</summary>
internal static class RecommendationsApi
{
    public static IEndpointRouteBuilder MapRecommendationsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/v1/recommendations", GetRecommendations)
            .RequireScope(Scopes.RecommendationsRead)
            // Per token and per creator: a token cannot scrape the model by asking without end.
            .RequireViewerRateLimits()
            // A creator's own site may ask across origins (Shop/SiteOrigins); no other site may.
            .RequireCors(Shop.SiteCors.CreatorInQuery)
            .WithTags("Recommendations")
            .WithName("GetRecommendations")
            .WithSummary("The caller's top K in-stock products of a creator, scored on this edge (or by popularity while no model is active, which the answer says).");
        endpoints.MapEventsApi();
        return endpoints;
    }

    internal static Results<JsonOk<RecommendationsResponse>, ProblemHttpResult> GetRecommendations(
        HttpContext context,
        string? creatorId,
        string? k,
        Recommender recommender,
        IOptions<RecommendationsOptions> options)
    {
        var token = context.GetAccessToken()!;
        context.Response.Headers.CacheControl = "no-store";
        if (creatorId is null || !Identifiers.IsValid(creatorId))
        {
            return Invalid("creatorId", Identifiers.Rule);
        }

        var max = options.Value.MaxK;
        var count = 10;
        if (k is not null && (!int.TryParse(k, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count < 1 || count > max))
        {
            return Invalid("k", $"must be an integer from 1 to {max}");
        }

        // Another creator's shop answers exactly like one that does not exist.
        var result = token.MayAccessCreator(creatorId) ? recommender.Recommend(creatorId, token.Subject, count) : null;
        if (result is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such creator.");
        }

        return JsonAnswer.Ok(
            new RecommendationsResponse(
                result.CreatorId,
                result.Revision,
                result.Source == RecommendationSource.Model ? "model" : "popularity",
                result.ModelVersion,
                result.Items),
            RecommendationsJsonContext.Default.RecommendationsResponse);
    }

    private static ProblemHttpResult Invalid(string field, string message)
        => TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Invalid query.",
        });
}

/// <param name="Source"><c>model</c>, or <c>popularity</c> while no model is active on this edge.</param>
internal sealed record RecommendationsResponse(string CreatorId, long Revision, string Source, string? ModelVersion, IReadOnlyList<RecommendedItem> Items);

/// <summary>
/// The answer's serializer, generated at build time and used through its own type info
/// (<see cref="JsonAnswer"/>): the reflection-based serializer and the generated metadata under
/// the application's options each cost a visible share of a request that does one inference and
/// writes ~1 KB.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RecommendationsResponse))]
internal sealed partial class RecommendationsJsonContext : JsonSerializerContext;
