using System.Globalization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Edge.Sync;
using Microsoft.Extensions.Primitives;

namespace EdgeCommerce.Edge.Catalog;

/// <summary>
/// Public catalog widgets from the local replica. The hot path writes bytes rendered once per
/// creator revision (<see cref="WidgetCache"/>) straight to the response: no output-cache lookup,
/// no result object, no per-request header formatting. A plain <see cref="RequestDelegate"/>
/// because parameter binding is a measurable share of a request that takes tens of microseconds.
/// </summary>
internal static class WidgetApi
{
    /// <summary>
    /// Browsers may reuse a widget for a second and keep showing it while revalidating for 30
    /// more: a live drop wants fresh stock, and a 304 against the ETag is cheap.
    /// </summary>
    public const string CacheControl = "public, max-age=1, stale-while-revalidate=30";

    public const string RevisionHeader = "X-Catalog-Revision";

    public const string ContentType = "application/json; charset=utf-8";

    public static IEndpointRouteBuilder MapWidgetApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        var api = ActivatorUtilities.CreateInstance<WidgetEndpoint>(endpoints.ServiceProvider);
        endpoints.MapGroup("/v1/creators").WithTags("Catalog")
            .MapGet("/{creatorId}/widget", api.ServeAsync)
            .WithName("GetWidget")
            // Runs as soon as routing matched it: the widget is public (no authentication) and
            // not output-cached, so the middleware after routing has nothing to do for it.
            // Hosting still times it (http.server.request.duration, with its route).
            .ShortCircuit()
            .WithSummary("A creator's catalog widget as JSON, from this edge's replica (200, 304 against the ETag, 404, 503 before the first snapshot).");
        return endpoints;
    }
}

/// <summary>The widget handler, holding its singletons so a request resolves nothing.</summary>
internal sealed partial class WidgetEndpoint(ReplicaHolder holder, WidgetCache cache, WidgetMetrics metrics, SyncState syncState, ILogger<WidgetEndpoint> logger)
{
    private static readonly StringValues s_cacheControl = new(WidgetApi.CacheControl);

    internal Task ServeAsync(HttpContext context)
    {
        var replica = holder.Current;
        var creatorId = context.Request.RouteValues["creatorId"] as string;
        var catalog = creatorId is null ? null : replica.Find(creatorId);
        if (catalog is null)
        {
            return NotServedAsync(context, replica.HasSnapshot);
        }

        var response = context.Response;
        var headers = response.Headers;
        headers.CacheControl = s_cacheControl;
        var ifNoneMatch = context.Request.Headers.IfNoneMatch;
        if (ifNoneMatch.Count > 0)
        {
            // Revalidation needs only the revision: a 304 never renders.
            var etag = RevisionETag.Format(catalog.Revision);
            if (RevisionETag.IfNoneMatchMatches(ifNoneMatch, etag))
            {
                headers.ETag = etag;
                headers[WidgetApi.RevisionHeader] = catalog.Revision.ToString(CultureInfo.InvariantCulture);
                metrics.Record(WidgetResult.NotModified);
                response.StatusCode = StatusCodes.Status304NotModified;
                return Task.CompletedTask;
            }
        }

        RenderedWidget widget;
        bool hit;
        try
        {
            widget = cache.Get(catalog, out hit);
        }
        catch (Exception ex)
        {
            // The endpoint short-circuits past the exception handler: answer the problem here.
            RenderFailed(logger, catalog.Revision, ex);
            headers.CacheControl = "no-store";
            return TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "The widget could not be rendered.").ExecuteAsync(context);
        }

        headers.ETag = widget.ETagHeader;
        headers[WidgetApi.RevisionHeader] = widget.RevisionHeader;
        metrics.Record(!syncState.Connected ? WidgetResult.Stale : hit ? WidgetResult.Hit : WidgetResult.Miss);
        response.ContentType = WidgetApi.ContentType;
        response.ContentLength = widget.Body.Length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        var write = response.Body.WriteAsync(widget.Body, context.RequestAborted);
        return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
    }

    private Task NotServedAsync(HttpContext context, bool hasSnapshot)
    {
        if (!hasSnapshot)
        {
            metrics.Record(WidgetResult.Unavailable);
            context.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "This edge has not received the catalog yet.", detail: "Retry shortly or use another edge.").ExecuteAsync(context);
        }

        metrics.Record(WidgetResult.NotFound);
        return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such creator.").ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "Rendering a widget at revision {Revision} failed.")]
    private static partial void RenderFailed(ILogger logger, long revision, Exception exception);
}
