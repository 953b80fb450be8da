using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage.Drops;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Drops;

/// <summary>Drop admin endpoints: <c>/admin/v1/creators/{creatorId}/drops</c> (scope <c>admin:drops</c>, tenant-checked).</summary>
internal static class DropsApi
{
    private static readonly JsonSerializerOptions s_canonical = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapDropsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        // Tenant check in each handler (AccessToken.MayAccessCreator), answered exactly like "not found".
        var api = endpoints.MapGroup("/admin/v1/creators/{creatorId}/drops")
            .WithTags("Drops")
            .RequireScope(Scopes.AdminDrops);
        api.MapGet("/", ListDrops).WithName("ListDrops").WithSummary("A creator's drops with their phase and stock.");
        api.MapGet("/{dropId}", GetDrop).WithName("GetDrop").WithSummary("One drop: schedule, phase, stock per SKU (sold, leased, available), RSVPs.");
        api.MapPut("/{dropId}", PutDrop).WithName("PutDrop")
            .WithSummary("Schedules a drop, or edits it before it opens (early access included). One revision.")
            .Accepts<DropDocument>("application/json");
        api.MapGet("/{dropId}/sales", ListSales).WithName("ListDropSales").WithSummary("Every confirmed sale of a drop (the creator's orders), oldest first.");
        api.MapDelete("/{dropId}", CancelDrop).WithName("CancelDrop").WithSummary("Cancels a drop: no more leases or sales; what was sold stays sold.");
        return endpoints;
    }

    internal static async Task<IResult> ListDrops(string creatorId, HttpContext context, IDropStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!MayAccess(context, creatorId))
        {
            return CreatorNotFound();
        }

        var now = time.GetUtcNow();
        var drops = await store.ListDropsAsync(creatorId, now, cancellationToken);
        return TypedResults.Ok(new DropListResponse([.. drops.Select(drop => DropView.From(drop.State, now, rsvps: null))]));
    }

    internal static async Task<IResult> GetDrop(string creatorId, string dropId, HttpContext context, IDropStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!MayAccess(context, creatorId) || !Identifiers.IsValid(dropId))
        {
            return DropNotFound();
        }

        var now = time.GetUtcNow();
        var drop = await store.GetDropAsync(dropId, now, cancellationToken);
        if (drop is null || !string.Equals(drop.CreatorId, creatorId, StringComparison.Ordinal))
        {
            return DropNotFound();
        }

        context.Response.Headers.ETag = RevisionETag.Format(drop.Revision);
        return TypedResults.Ok(DropView.From(drop.State, now, await store.CountRsvpsAsync(dropId, cancellationToken)));
    }

    internal static async Task<IResult> ListSales(string creatorId, string dropId, HttpContext context, IDropStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!MayAccess(context, creatorId) || !Identifiers.IsValid(dropId)
            || await store.GetDropAsync(dropId, time.GetUtcNow(), cancellationToken) is not { } drop
            || !string.Equals(drop.CreatorId, creatorId, StringComparison.Ordinal))
        {
            return DropNotFound();
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new SaleListResponse(dropId, await store.ListSalesAsync(dropId, cancellationToken)));
    }

    internal static async Task<IResult> PutDrop(
        string creatorId,
        string dropId,
        HttpContext context,
        IDropStore store,
        TimeProvider time,
        IOptions<DropsOptions> options,
        CancellationToken cancellationToken)
    {
        if (!MayAccess(context, creatorId))
        {
            return CreatorNotFound();
        }

        if (!Identifiers.IsValid(creatorId) || !Identifiers.IsValid(dropId))
        {
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            if (!Identifiers.IsValid(creatorId))
            {
                errors["creatorId"] = [Identifiers.Rule];
            }

            if (!Identifiers.IsValid(dropId))
            {
                errors["dropId"] = [Identifiers.Rule];
            }

            return TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = StatusCodes.Status400BadRequest, Title = "The route is not valid." });
        }

        if (!context.Request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The drop must be sent as application/json.");
        }

        var limit = options.Value.MaxBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        byte[] body;
        using (var buffer = new MemoryStream())
        {
            var chunk = new byte[8192];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                {
                    return TooLarge(limit);
                }
            }

            body = buffer.ToArray();
        }

        var now = time.GetUtcNow();
        DropDocument? document;
        Dictionary<string, string[]> validation;
        try
        {
            using var json = JsonDocument.Parse(body, DropDocumentReader.DocumentOptions);
            if (!JsonText.IsWellFormed(body))
            {
                return NotText();
            }

            (document, validation) = DropDocumentReader.Read(json.RootElement, now);
        }
        catch (JsonException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request body is not valid JSON.",
                detail: $"Parsing stopped at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}.");
        }

        if (document is null)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(validation)
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "The drop is invalid; nothing was stored.",
                Detail = "Every error is listed under 'errors', keyed by JSON path.",
            });
        }

        var canonical = JsonSerializer.Serialize(document, s_canonical);
        var result = await store.PutDropAsync(new DropWrite(creatorId, dropId, canonical, SHA256.HashData(Encoding.UTF8.GetBytes(canonical)), ToDefinition(creatorId, dropId, document), now), cancellationToken);
        return result.Outcome switch
        {
            DropWriteOutcome.IdTaken => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The drop id is taken.",
                detail: "Drop ids are global (edges route by them alone): choose another id."),
            DropWriteOutcome.AlreadyStarted => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The drop has opened; it can no longer be edited.",
                detail: "A drop can be edited until its early access (or its start) begins; after that it can only be cancelled."),
            DropWriteOutcome.IsCancelled => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The drop was cancelled; it can no longer be edited."),
            DropWriteOutcome.UnknownSkus => UnknownSkus(document, result.UnknownSkus ?? []),
            _ => Written(context, dropId, result),
        };
    }

    /// <summary>Parsed, but not Unicode text (invalid UTF-8, a lone surrogate): as malformed as a syntax error.</summary>
    private static ProblemHttpResult NotText()
        => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request body is not valid JSON.",
            detail: "It must be UTF-8 text without lone surrogates.");

    internal static async Task<IResult> CancelDrop(string creatorId, string dropId, HttpContext context, IDropStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!MayAccess(context, creatorId) || !Identifiers.IsValid(dropId))
        {
            return DropNotFound();
        }

        var result = await store.CancelDropAsync(creatorId, dropId, time.GetUtcNow(), cancellationToken);
        return result.Outcome == DropWriteOutcome.NotFound ? DropNotFound() : Written(context, dropId, result);
    }

    internal static DropState ToDefinition(string creatorId, string dropId, DropDocument document)
    {
        var state = new DropState
        {
            DropId = dropId,
            CreatorId = creatorId,
            Title = document.Title,
            StartsAtUnixMs = document.StartsAt.ToUnixTimeMilliseconds(),
            EndsAtUnixMs = document.EndsAt.ToUnixTimeMilliseconds(),
            EarlyAccessMinutes = document.EarlyAccess?.Minutes ?? 0,
            EarlyAccessAudience = document.EarlyAccess?.Audience ?? "",
            PerViewerLimit = document.PerViewerLimit,
        };
        state.Skus.Add(document.Allocations.Select(static a => new DropSku { SkuId = a.SkuId, Allocation = a.Units }));
        return state;
    }

    /// <summary>422 naming each allocation (by JSON path, like the reader's errors) whose SKU the creator's catalog lacks.</summary>
    private static ProblemHttpResult UnknownSkus(DropDocument document, IReadOnlyList<string> unknown)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var index = 0; index < document.Allocations.Count; index++)
        {
            if (unknown.Contains(document.Allocations[index].SkuId, StringComparer.Ordinal))
            {
                errors[string.Create(System.Globalization.CultureInfo.InvariantCulture, $"allocations[{index}].skuId")] = ["is not a SKU of this creator's catalog"];
            }
        }

        return TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "The drop is invalid; nothing was stored.",
            Detail = "A drop sells only SKUs of its creator's current catalog: push the catalog first. Every error is listed under 'errors', keyed by JSON path.",
        });
    }

    private static Ok<DropRevisionResponse> Written(HttpContext context, string dropId, DropWriteResult result)
    {
        context.Response.Headers.ETag = RevisionETag.Format(result.Revision);
        return TypedResults.Ok(new DropRevisionResponse(dropId, result.Revision, result.Outcome.ToString().ToLowerInvariant()));
    }

    private static bool MayAccess(HttpContext context, string creatorId)
        => context.GetAccessToken()?.MayAccessCreator(creatorId) == true;

    private static ProblemHttpResult TooLarge(int limit)
        => TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The drop is too large.", detail: $"The request body exceeds the limit of {limit} bytes.");

    private static ProblemHttpResult CreatorNotFound()
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such creator.");

    private static ProblemHttpResult DropNotFound()
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such drop.");
}

internal sealed record DropRevisionResponse(string DropId, long Revision, string Outcome);

internal sealed record SaleListResponse(string DropId, IReadOnlyList<SaleRecord> Sales);

internal sealed record DropListResponse(IReadOnlyList<DropView> Drops);

/// <param name="Held">Units inside live reservations on the edges (as they last reported them, until their lease ends).</param>
/// <param name="Available">Allocation − sold − held (<see cref="DropStock.Available"/>): the same number every edge shows.</param>
internal sealed record DropSkuView(string SkuId, int Allocation, int Sold, int Leased, int Available, int Held);

internal sealed record DropView(
    string DropId,
    string CreatorId,
    long Revision,
    string Phase,
    string Title,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    EarlyAccessDocument? EarlyAccess,
    int PerViewerLimit,
    bool Cancelled,
    IReadOnlyList<DropSkuView> Skus,
    long? Rsvps)
{
    public static DropView From(DropState state, DateTimeOffset now, long? rsvps)
        => new(state.DropId, state.CreatorId, state.Revision, DropPhases.Name(DropPhases.Of(state, now)), state.Title,
            DropPhases.StartsAt(state), DropPhases.EndsAt(state),
            state.EarlyAccessMinutes > 0 ? new EarlyAccessDocument(state.EarlyAccessMinutes, state.EarlyAccessAudience) : null,
            state.PerViewerLimit, state.Cancelled,
            [.. state.Skus.Select(sku => new DropSkuView(sku.SkuId, sku.Allocation, sku.Sold, sku.Leased, DropStock.Available(sku, now), DropStock.Held(sku, now)))],
            rsvps);
}
