using System.Net;
using System.Text.Json;
using EdgeCommerce.Contracts;
using EdgeCommerce.Origin.Storage.Webhooks;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Webhooks;

/// <summary>
/// A creator's webhook endpoints: <c>/admin/v1/creators/{creatorId}/webhooks</c> (scope
/// <c>admin:drops</c>, tenant-checked: another creator's endpoint answers like a missing one).
/// Secrets are never shown again after the PUT that generated them.
/// </summary>
internal static class WebhooksApi
{
    /// <summary>The most deliveries the deliveries endpoint lists (newest first).</summary>
    public const int MaxDeliveriesListed = 200;

    public const int MaxUrlLength = 2048;

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var api = endpoints.MapGroup("/admin/v1/creators/{creatorId}/webhooks")
            .WithTags("Webhooks")
            .RequireScope(Scopes.AdminDrops);
        api.MapGet("/", List).WithName("ListWebhooks").WithSummary("A creator's webhook endpoints (without their secrets).");
        api.MapGet("/{webhookId}", Get).WithName("GetWebhook").WithSummary("One endpoint (without its secret).");
        api.MapPut("/{webhookId}", Put).WithName("PutWebhook")
            .WithSummary("Registers or replaces an endpoint: url (https, or http on loopback), events, and a whsec_ secret (generated and shown once when none is given).");
        api.MapDelete("/{webhookId}", Delete).WithName("DeleteWebhook").WithSummary("Removes an endpoint and its undelivered events.");
        api.MapGet("/{webhookId}/deliveries", Deliveries).WithName("ListWebhookDeliveries")
            .WithSummary("The endpoint's latest deliveries, newest first: pending (with the next attempt), delivered, or dead (retried for a day, then given up).");
        return endpoints;
    }

    internal static async Task<IResult> List(string creatorId, HttpContext context, IWebhookStore store, CancellationToken cancellationToken)
    {
        if (!MayAccess(context, creatorId))
        {
            return CreatorNotFound();
        }

        var webhooks = await store.ListWebhooksAsync(creatorId, cancellationToken);
        return TypedResults.Ok(new WebhookListResponse([.. webhooks.Select(static w => WebhookView.From(w, secret: null))]));
    }

    internal static async Task<IResult> Get(string creatorId, string webhookId, HttpContext context, IWebhookStore store, CancellationToken cancellationToken)
        => await FindAsync(context, store, creatorId, webhookId, cancellationToken) is { } webhook ? TypedResults.Ok(WebhookView.From(webhook, secret: null)) : WebhookNotFound();

    internal static async Task<IResult> Delete(string creatorId, string webhookId, HttpContext context, IWebhookStore store, CancellationToken cancellationToken)
        => MayAccess(context, creatorId) && Identifiers.IsValid(webhookId) && await store.DeleteWebhookAsync(creatorId, webhookId, cancellationToken)
            ? TypedResults.NoContent()
            : WebhookNotFound();

    internal static async Task<IResult> Deliveries(string creatorId, string webhookId, HttpContext context, IWebhookStore store, CancellationToken cancellationToken)
    {
        if (await FindAsync(context, store, creatorId, webhookId, cancellationToken) is null)
        {
            return WebhookNotFound();
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new WebhookDeliveriesResponse(webhookId, await store.ListDeliveriesAsync(creatorId, webhookId, MaxDeliveriesListed, cancellationToken)));
    }

    internal static async Task<IResult> Put(string creatorId, string webhookId, HttpContext context, IWebhookStore store, WebhookSecretSealer secrets, TimeProvider time,
        IOptions<WebhooksOptions> options, CancellationToken cancellationToken)
    {
        if (!MayAccess(context, creatorId))
        {
            return CreatorNotFound();
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!Identifiers.IsValid(creatorId))
        {
            errors["creatorId"] = [Identifiers.Rule];
        }

        if (!Identifiers.IsValid(webhookId))
        {
            errors["webhookId"] = [Identifiers.Rule];
        }

        if (errors.Count > 0)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = StatusCodes.Status400BadRequest, Title = "The route is not valid." });
        }

        if (!context.Request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The endpoint must be sent as application/json.");
        }

        var limit = options.Value.MaxBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return TooLarge(limit);
            }
        }

        string? url = null;
        List<string>? events = null;
        string? secret = null;
        try
        {
            using var json = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors["$"] = ["must be a JSON object with 'url' and 'events'"];
            }
            else
            {
                foreach (var property in json.RootElement.EnumerateObject())
                {
                    switch (property.Name)
                    {
                        case "url":
                            url = ReadUrl(property.Value, errors);
                            break;
                        case "events":
                            events = ReadEvents(property.Value, errors);
                            break;
                        case "secret":
                            secret = ReadSecret(property.Value, errors);
                            break;
                        default:
                            errors[property.Name] = ["is not a field of a webhook endpoint (url, events, secret)"];
                            break;
                    }
                }

                if (!json.RootElement.TryGetProperty("url", out _))
                {
                    errors["url"] = ["is required"];
                }

                if (!json.RootElement.TryGetProperty("events", out _))
                {
                    errors["events"] = ["is required"];
                }
            }
        }
        catch (JsonException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request body is not valid JSON.",
                detail: $"Parsing stopped at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}.");
        }

        if (errors.Count > 0 || url is null || events is null)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(errors)
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "The webhook endpoint is invalid; nothing was stored.",
                Detail = "Every error is listed under 'errors', keyed by field.",
            });
        }

        var generated = secret is null;
        secret ??= WebhookSignature.NewSecret();
        // Sealed for this (creator, id) before it reaches the store: a copy of the database alone never holds a usable secret.
        var record = new WebhookRecord(creatorId, webhookId, url, events, secrets.Seal(creatorId, webhookId, secret), time.GetUtcNow());
        var created = await store.PutWebhookAsync(record, cancellationToken);
        context.Response.Headers.CacheControl = "no-store";
        // The secret is shown once, when the origin made it: the creator gave it otherwise.
        var view = WebhookView.From(record, generated ? secret : null);
        return created
            ? TypedResults.Created($"/admin/v1/creators/{creatorId}/webhooks/{webhookId}", view)
            : TypedResults.Ok(view);
    }

    /// <summary>https, or http only on a loopback host (a receiver on this machine); absolute, no credentials, at most <see cref="MaxUrlLength"/> characters.</summary>
    internal static bool IsAllowedUrl(string text)
    {
        if (text.Length > MaxUrlLength || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return false;
        }

        if (string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal))
        {
            return true;
        }

        return string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal)
            && (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address)));
    }

    private static string? ReadUrl(JsonElement element, Dictionary<string, string[]> errors)
    {
        if (element.ValueKind != JsonValueKind.String || !IsAllowedUrl(element.GetString()!))
        {
            errors["url"] = [$"must be an absolute https URL (http only on loopback), without credentials or fragment, at most {MaxUrlLength} characters"];
            return null;
        }

        return element.GetString();
    }

    private static List<string>? ReadEvents(JsonElement element, Dictionary<string, string[]> errors)
    {
        var rule = "must be a non-empty array of distinct events: " + string.Join(", ", WebhookEvents.All);
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            errors["events"] = [rule];
            return null;
        }

        var events = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !WebhookEvents.All.Contains(item.GetString(), StringComparer.Ordinal) || events.Contains(item.GetString()!, StringComparer.Ordinal))
            {
                errors["events"] = [rule];
                return null;
            }

            events.Add(item.GetString()!);
        }

        return events;
    }

    private static string? ReadSecret(JsonElement element, Dictionary<string, string[]> errors)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String || WebhookSignature.KeyOf(element.GetString()!) is null)
        {
            errors["secret"] = [$"must be whsec_ followed by the base64 of a {WebhookSignature.MinKeyBytes}- to {WebhookSignature.MaxKeyBytes}-byte key (leave it out to have one generated)"];
            return null;
        }

        return element.GetString();
    }

    private static async Task<WebhookRecord?> FindAsync(HttpContext context, IWebhookStore store, string creatorId, string webhookId, CancellationToken cancellationToken)
        => MayAccess(context, creatorId) && Identifiers.IsValid(webhookId)
            ? (await store.ListWebhooksAsync(creatorId, cancellationToken)).FirstOrDefault(w => string.Equals(w.WebhookId, webhookId, StringComparison.Ordinal))
            : null;

    private static bool MayAccess(HttpContext context, string creatorId)
        => context.GetAccessToken()?.MayAccessCreator(creatorId) == true;

    private static ProblemHttpResult TooLarge(int limit)
        => TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The webhook endpoint is too large.", detail: $"The request body exceeds the limit of {limit} bytes.");

    private static ProblemHttpResult CreatorNotFound()
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such creator.");

    private static ProblemHttpResult WebhookNotFound()
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such webhook.");
}

/// <param name="Secret">Only in the answer to the PUT that generated it; never stored anywhere the API shows again.</param>
internal sealed record WebhookView(string WebhookId, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt, string? Secret)
{
    public static WebhookView From(WebhookRecord record, string? secret) => new(record.WebhookId, record.Url, record.Events, record.CreatedAt, secret);
}

internal sealed record WebhookListResponse(IReadOnlyList<WebhookView> Webhooks);

internal sealed record WebhookDeliveriesResponse(string WebhookId, IReadOnlyList<WebhookDeliveryView> Deliveries);
