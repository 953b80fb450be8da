using System.Globalization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Edge.Sync;

namespace EdgeCommerce.Edge.Catalog;

/// <summary>Public catalog widgets, rendered from the local replica and served through the output cache.</summary>
internal static class WidgetApi
{
    /// <summary>
    /// Browsers may reuse a widget for a second and keep showing it while revalidating for 30
    /// more: a live drop wants fresh stock, and a 304 against the ETag is cheap.
    /// </summary>
    public const string CacheControl = "public, max-age=1, stale-while-revalidate=30";

    public const string RevisionHeader = "X-Catalog-Revision";

    public static IEndpointRouteBuilder MapWidgetApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        var api = endpoints.MapGroup("/v1/creators").WithTags("Catalog");
        api.MapGet("/{creatorId}/widget", GetWidget)
            .WithName("GetWidget")
            .WithSummary("A creator's catalog widget as JSON, from this edge's replica.")
            .CacheOutput(WidgetCachePolicy.Name);
        return endpoints;
    }

    internal static IResult GetWidget(string creatorId, HttpContext context, ReplicaHolder holder)
    {
        var replica = holder.Current;
        var catalog = WidgetCachePolicy.CatalogFor(context) ?? replica.Find(creatorId);
        if (catalog is null)
        {
            if (!replica.HasSnapshot)
            {
                context.Response.Headers.RetryAfter = "1";
                return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "This edge has not received the catalog yet.", detail: "Retry shortly or use another edge.");
            }

            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such creator.");
        }

        var etag = RevisionETag.Format(catalog.Revision);
        var headers = context.Response.Headers;
        headers.ETag = etag;
        headers.CacheControl = CacheControl;
        headers[RevisionHeader] = catalog.Revision.ToString(CultureInfo.InvariantCulture);
        if (RevisionETag.IfNoneMatchMatches(context.Request.Headers.IfNoneMatch, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(WidgetRenderer.RenderJson(catalog), "application/json; charset=utf-8");
    }
}
