using System.Globalization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Edge.Shop;
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

    public const string HtmlContentType = "text/html; charset=utf-8";

    /// <summary>
    /// The representation depends on <c>Accept</c> (JSON or the HTML fragment) and the CORS
    /// answer on <c>Origin</c>: shared caches must key on both.
    /// </summary>
    public const string Vary = "Accept, Origin";

    /// <summary>
    /// True when <paramref name="accept"/> asks for HTML before (or without) JSON: a browser
    /// navigating, or <c>fetch(url, {headers: {Accept: "text/html"}})</c>. <c>*/*</c>, no header,
    /// or JSON listed first get JSON. Quality values are not weighed (REVIEW: enough for browsers
    /// and embeds, which list their preference first).
    /// </summary>
    public static bool WantsHtml(StringValues accept)
    {
        if (accept.Count == 0)
        {
            return false;
        }

        foreach (var value in accept)
        {
            if (value is null)
            {
                continue;
            }

            var html = value.IndexOf("text/html", StringComparison.OrdinalIgnoreCase);
            var json = value.IndexOf("application/json", StringComparison.OrdinalIgnoreCase);
            if (json >= 0 && (html < 0 || json < html))
            {
                return false;
            }

            if (html >= 0)
            {
                return true;
            }
        }

        return false;
    }

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
            .WithSummary("A creator's catalog widget as JSON, or as an HTML fragment for Accept: text/html, from this edge's replica (200, 304 against the ETag, 404, 503 before the first snapshot). Cross-origin reads are allowed for the creator's configured site origins only.");
        return endpoints;
    }
}

/// <summary>The widget handler, holding its singletons so a request resolves nothing.</summary>
internal sealed partial class WidgetEndpoint(ReplicaHolder holder, WidgetCache cache, WidgetMetrics metrics, SyncState syncState, SiteOrigins siteOrigins, ILogger<WidgetEndpoint> logger)
{
    private static readonly StringValues s_cacheControl = new(WidgetApi.CacheControl);
    private static readonly StringValues s_vary = new(WidgetApi.Vary);

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
        var requestHeaders = context.Request.Headers;
        headers.CacheControl = s_cacheControl;
        headers.Vary = s_vary;
        // The widget short-circuits past the CORS middleware: a cross-origin read (a simple GET,
        // never preflighted) is answered here, only when the request names an Origin.
        if (requestHeaders.Origin.Count > 0)
        {
            siteOrigins.AllowIfSite(context, catalog.CreatorId);
        }

        var html = WidgetApi.WantsHtml(requestHeaders.Accept);
        var ifNoneMatch = requestHeaders.IfNoneMatch;
        if (ifNoneMatch.Count > 0)
        {
            // Revalidation needs only the revision: a 304 never renders.
            var etag = html ? RevisionETag.Format(catalog.Revision, "html") : RevisionETag.Format(catalog.Revision);
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

        byte[] body;
        if (html)
        {
            try
            {
                body = widget.Html;
            }
            catch (Exception ex)
            {
                RenderFailed(logger, catalog.Revision, ex);
                headers.CacheControl = "no-store";
                return TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "The widget could not be rendered.").ExecuteAsync(context);
            }

            headers.ETag = widget.HtmlETagHeader;
            response.ContentType = WidgetApi.HtmlContentType;
        }
        else
        {
            body = widget.Body;
            headers.ETag = widget.ETagHeader;
            response.ContentType = WidgetApi.ContentType;
        }

        headers[WidgetApi.RevisionHeader] = widget.RevisionHeader;
        metrics.Record(!syncState.Connected ? WidgetResult.Stale : hit ? WidgetResult.Hit : WidgetResult.Miss);
        response.ContentLength = body.Length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        var write = response.Body.WriteAsync(body, context.RequestAborted);
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
