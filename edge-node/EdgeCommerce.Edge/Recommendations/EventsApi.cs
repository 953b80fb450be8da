using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Recommendations;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.RateLimiting;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>
/// <c>POST /v1/events</c>: a viewer's interactions (view, click, add_to_cart, reservation,
/// purchase) with one creator's products. Validated whole (size-capped body, at most
/// <c>Recommendations:MaxEventsPerRequest</c> events, known products of a creator the token may
/// access, times within the last day); then recorded in the viewer's recent history (their
/// features), the popularity fallback and the upstream buffer. Never waits for the origin.
/// </summary>
internal static class EventsApi
{
    private static readonly string[] s_kinds = ["view", "click", "add_to_cart", "reservation", "purchase"];

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/v1/events", PostEvents)
            .RequireScope(Scopes.RecommendationsRead)
            .RequireViewerRateLimits()
            .WithTags("Recommendations")
            .WithName("PostEvents")
            .WithSummary("Records the caller's interactions with a creator's products (personalizes their recommendations; forwarded to the origin for training).");
        return endpoints;
    }

    internal static async Task<Results<Accepted<EventsAccepted>, ProblemHttpResult>> PostEvents(
        HttpContext context,
        ReplicaHolder replicas,
        ViewerHistoryCache histories,
        PopularityCounter popularity,
        EventForwarder forwarder,
        RecommendationsMetrics metrics,
        IOptions<RecommendationsOptions> options,
        TimeProvider time)
    {
        var token = context.GetAccessToken()!;
        var limits = options.Value;
        if (context.Request.ContentLength > limits.MaxEventsBodyBytes)
        {
            return TooLarge(limits.MaxEventsBodyBytes);
        }

        var sizeFeature = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = limits.MaxEventsBodyBytes;
        }

        EventsRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, EventsJsonContext.Default.EventsRequest, context.RequestAborted);
        }
        catch (JsonException)
        {
            return Invalid(StatusCodes.Status400BadRequest, "body", "must be JSON: {\"events\": [{\"creatorId\", \"productId\", \"kind\", \"at\"?}]}");
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limits.MaxEventsBodyBytes);
        }

        if (request?.Events is not { Count: > 0 } events || events.Count > limits.MaxEventsPerRequest)
        {
            return Invalid(StatusCodes.Status400BadRequest, "events", $"must hold 1 to {limits.MaxEventsPerRequest} events");
        }

        var replica = replicas.Current;
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var accepted = new List<(string Key, InteractionKind Kind, ViewerInteraction Upstream)>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var item = events[i];
            var path = $"events[{i}]";
            if (item is null)
            {
                // A null in the array: the serializer reads it as a null element.
                errors[path] = ["must be an event object"];
                continue;
            }

            if (item.CreatorId is null || !Identifiers.IsValid(item.CreatorId))
            {
                errors[path + ".creatorId"] = [Identifiers.Rule];
                continue;
            }

            // Another creator's shop answers like one that does not exist.
            var catalog = token.MayAccessCreator(item.CreatorId) ? replica.Find(item.CreatorId) : null;
            if (catalog is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such creator.");
            }

            if (item.ProductId is null || !catalog.Products.Any(p => p.Id == item.ProductId))
            {
                errors[path + ".productId"] = ["must name a product of the creator's catalog"];
                continue;
            }

            var kind = Array.IndexOf(s_kinds, item.Kind);
            if (kind < 0)
            {
                errors[path + ".kind"] = ["must be one of " + string.Join(", ", s_kinds)];
                continue;
            }

            var at = item.At ?? now;
            if (at < now - TimeSpan.FromDays(1) || at > now + TimeSpan.FromMinutes(5))
            {
                errors[path + ".at"] = ["must be within the last day"];
                continue;
            }

            accepted.Add((item.CreatorId + "/" + item.ProductId, (InteractionKind)kind, new ViewerInteraction
            {
                ViewerId = token.Subject,
                CreatorId = item.CreatorId,
                ProductId = item.ProductId,
                Kind = kind,
                AtUnixMs = at.ToUnixTimeMilliseconds(),
            }));
        }

        if (errors.Count > 0)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = StatusCodes.Status422UnprocessableEntity, Title = "Invalid events." });
        }

        foreach (var (key, kind, upstream) in accepted)
        {
            histories.Record(token.Subject, key, kind);
            popularity.Record(key, kind);
            forwarder.Enqueue(upstream);
        }

        metrics.EventsAccepted(accepted.Count);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Accepted((string?)null, new EventsAccepted(accepted.Count));
    }

    private static ProblemHttpResult TooLarge(int limit)
        => TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The body is too large.", detail: $"At most {limit} bytes.");

    private static ProblemHttpResult Invalid(int status, string field, string message)
        => TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] }) { Status = status, Title = "Invalid events." });
}

internal sealed record EventsRequest(IReadOnlyList<EventItem>? Events);

internal sealed record EventItem(string? CreatorId, string? ProductId, string? Kind, DateTimeOffset? At);

internal sealed record EventsAccepted(int Accepted);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(EventsRequest))]
internal sealed partial class EventsJsonContext : JsonSerializerContext;
