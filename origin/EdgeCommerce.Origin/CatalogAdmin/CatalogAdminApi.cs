using System.Buffers;
using System.Text.Json;
using EdgeCommerce.Contracts;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.CatalogAdmin;

/// <summary>Catalog endpoints of the admin API: <c>/admin/v1/creators</c>.</summary>
internal static class CatalogAdminApi
{
    public static IEndpointRouteBuilder MapCatalogAdminApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        var api = endpoints.MapGroup("/admin/v1/creators")
            .WithTags("Catalog admin")
            .RequireScope(Scopes.AdminCatalog);
        var creator = api.MapGroup("/{creatorId}").RequireCreatorAccess(CreatorNotFound);

        api.MapGet("/", ListCreators).WithName("ListCreators").WithSummary("Lists creators with their catalog revision and product count.");
        creator.MapGet("/catalog", GetCatalog).WithName("GetCatalog").WithSummary("Returns a creator's stored catalog with its ETag.");
        creator.MapPut("/catalog", PutCatalog).WithName("PutCatalog")
            .WithSummary("Replaces a creator's whole catalog, validated whole, as one revision.")
            .Accepts<CatalogDocument>("application/json");
        creator.MapDelete("", DeleteCreator).WithName("DeleteCreator").WithSummary("Removes a creator everywhere.");
        return endpoints;
    }

    /// <summary>A platform operator sees every creator; a creator's token sees only its own.</summary>
    internal static async Task<Ok<CreatorListResponse>> ListCreators(HttpContext context, IOriginStore store, CancellationToken cancellationToken)
    {
        var caller = context.GetAccessToken();
        var creators = await store.ListCreatorsAsync(cancellationToken);
        return TypedResults.Ok(new CreatorListResponse([.. creators.Where(creator => caller?.MayAccessCreator(creator.Id) == true)]));
    }

    internal static async Task<IResult> GetCatalog(string creatorId, HttpContext context, IOriginStore store, CancellationToken cancellationToken)
    {
        var stored = Identifiers.IsValid(creatorId) ? await store.GetCatalogAsync(creatorId, cancellationToken) : null;
        if (stored is null)
        {
            return CreatorNotFound(creatorId);
        }

        var etag = RevisionETag.Format(stored.Revision);
        context.Response.Headers.ETag = etag;
        if (RevisionETag.IfNoneMatchMatches(context.Request.Headers.IfNoneMatch, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Text(stored.DocumentJson, "application/json", System.Text.Encoding.UTF8);
    }

    internal static async Task<IResult> PutCatalog(
        string creatorId,
        HttpContext context,
        IOriginStore store,
        IOptions<CatalogOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken,
        bool force = false)
    {
        if (!Identifiers.IsValid(creatorId))
        {
            return Invalid(StatusCodes.Status400BadRequest, "The creator id is not valid.", "creatorId", Identifiers.Rule);
        }

        if (!context.Request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "The catalog must be sent as application/json.");
        }

        if (!TryReadIfMatch(context.Request, out var expectedRevision))
        {
            return PreconditionFailed();
        }

        var limit = options.Value.MaxBodyBytes;
        var body = await ReadBodyAsync(context, limit, cancellationToken);
        if (body is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The catalog is too large.",
                detail: $"The request body exceeds the limit of {limit} bytes.");
        }

        CatalogReadResult read;
        try
        {
            using var json = JsonDocument.Parse(body.Value, CatalogDocumentReader.DocumentOptions);
            read = new CatalogDocumentReader(options.Value).Read(json.RootElement);
        }
        catch (JsonException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest,
                title: "The request body is not valid JSON.",
                detail: $"Parsing stopped at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}.");
        }

        if (read.Document is not { } document)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(read.Errors)
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "The catalog is invalid; nothing was stored.",
                Detail = "Every error is listed under 'errors', keyed by JSON path.",
            });
        }

        var (canonicalJson, hash) = CatalogPayload.Canonicalize(document);
        var result = await store.PutCatalogAsync(
            new CatalogWrite(creatorId, canonicalJson, hash, document.Products.Count, expectedRevision,
                revision => CatalogPayload.ToProtobuf(creatorId, revision, document), time.GetUtcNow(), force),
            cancellationToken);

        if (result.Outcome == CatalogWriteOutcome.PreconditionFailed)
        {
            return PreconditionFailed();
        }

        if (result.Outcome == CatalogWriteOutcome.SkusInUse)
        {
            return SkusInUse(result.SkusInUse ?? []);
        }

        context.Response.Headers.ETag = RevisionETag.Format(result.Revision);
        return TypedResults.Ok(new CatalogRevisionResponse(creatorId, result.Revision));
    }

    internal static async Task<IResult> DeleteCreator(string creatorId, HttpContext context, IOriginStore store, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsValid(creatorId))
        {
            return CreatorNotFound(creatorId);
        }

        if (!TryReadIfMatch(context.Request, out var expectedRevision))
        {
            return PreconditionFailed();
        }

        var result = await store.DeleteCreatorAsync(creatorId, expectedRevision, cancellationToken);
        return result.Outcome switch
        {
            CatalogWriteOutcome.NotFound => CreatorNotFound(creatorId),
            CatalogWriteOutcome.PreconditionFailed => PreconditionFailed(),
            _ => TypedResults.Ok(new CatalogRevisionResponse(creatorId, result.Revision)),
        };
    }

    /// <summary>
    /// Reads If-Match: absent means unconditional; <c>"rN"</c> means "only while revision N is
    /// current". Anything else (including <c>*</c> on a missing creator) cannot match.
    /// </summary>
    private static bool TryReadIfMatch(HttpRequest request, out long? expectedRevision)
    {
        expectedRevision = null;
        var header = request.Headers.IfMatch;
        if (header.Count == 0)
        {
            return true;
        }

        if (header.Count == 1 && RevisionETag.TryParse(header[0], out var revision))
        {
            expectedRevision = revision;
            return true;
        }

        return false;
    }

    /// <summary>Reads the body into one buffer, or returns null once it exceeds <paramref name="limit"/> bytes.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpContext context, long limit, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength > limit)
        {
            return null;
        }

        var sizeFeature = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = limit + 1;
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(16 * 1024);
                var read = await context.Request.Body.ReadAsync(memory, cancellationToken);
                if (read == 0)
                {
                    return buffer.WrittenMemory;
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    return null;
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }

    internal static ProblemHttpResult CreatorNotFound(string creatorId)
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such creator.",
            detail: Identifiers.IsValid(creatorId) ? $"Creator '{creatorId}' has no catalog." : null);

    /// <summary>409 naming each scheduled or running drop and the SKUs the push would withdraw from it.</summary>
    private static ProblemHttpResult SkusInUse(IReadOnlyList<Storage.Drops.DropSkuUse> uses)
    {
        var drops = uses.GroupBy(static use => use.DropId, StringComparer.Ordinal)
            .ToDictionary(static group => group.Key, static group => (object?)group.Select(static use => use.SkuId).ToArray(), StringComparer.Ordinal);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "The catalog removes SKUs that scheduled or running drops sell.",
            detail: "Nothing was stored. Drops (with the SKUs): " + string.Join("; ", drops.Select(static drop => $"{drop.Key} ({string.Join(", ", (string[])drop.Value!)})"))
                + ". Keep the SKUs, cancel the drops, or push again with ?force=true to withdraw them (the drops then show them as withdrawn, not reservable).",
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["drops"] = drops });
    }

    private static ProblemHttpResult PreconditionFailed()
        => TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed,
            title: "The catalog changed since you read it.",
            detail: "If-Match does not name the current revision. GET the catalog, reapply your change and retry with its ETag.");

    private static ProblemHttpResult Invalid(int status, string title, string field, string message)
        => TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = status,
            Title = title,
        });
}

internal sealed record CreatorListResponse(IReadOnlyList<CreatorSummary> Creators);

internal sealed record CatalogRevisionResponse(string CreatorId, long Revision);
