using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using EdgeCommerce.Contracts;
using EdgeCommerce.Edge.Catalog;
using EdgeCommerce.Edge.Drops;
using EdgeCommerce.Edge.Sync;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCommerce.Edge.Shop;

/// <summary>
/// The viewer's shop page (<c>/shop/{creatorId}</c>), its script and styles, the embed script a
/// creator pastes into their site (<c>/embed.js</c>) and the public list of a creator's current
/// and coming drops (<c>/v1/creators/{creatorId}/drops</c>). Everything the page needs comes from
/// this edge: a strict content-security policy forbids any other source.
/// </summary>
internal static class ShopApi
{
    /// <summary>
    /// Nothing inline runs; scripts, styles, images and connections only from this edge; no
    /// plugins, no base or form tricks. <c>frame-ancestors</c> is completed per creator.
    /// </summary>
    internal const string PagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'self'";

    private const string AssetCacheControl = "public, max-age=300";

    public static IEndpointRouteBuilder MapShopApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        var shop = endpoints.MapGroup("/shop").WithTags("Shop");
        shop.MapGet("/{creatorId}", GetPage).WithName("GetShopPage")
            .WithSummary("The creator's shop page: widget, live drop stock, recommendations, RSVP and reserve (HTML).");
        shop.MapGet("/assets/shop.js", static (HttpContext context, ShopAssets assets) => ServeAsset(context, assets.Script)).ExcludeFromDescription();
        shop.MapGet("/assets/shop.css", static (HttpContext context, ShopAssets assets) => ServeAsset(context, assets.Styles)).ExcludeFromDescription();
        endpoints.MapGet("/embed.js", static (HttpContext context, ShopAssets assets) => ServeAsset(context, assets.Embed, crossOrigin: true))
            .WithTags("Shop").WithName("GetEmbedScript")
            .WithSummary("The script a creator pastes into their page: finds the nearest healthy edge and mounts the shop in a frame.");
        endpoints.MapGet("/v1/creators/{creatorId}/drops", ListDrops)
            .RequireCors(SiteCors.CreatorInRoute)
            .CacheOutput(CreatorDropsCachePolicy.Instance)
            .WithTags("Shop").WithName("ListCreatorDrops")
            .WithSummary("The creator's drops that are not closed, the current one first, then by start (public, cacheable for 2 s).");
        return endpoints;
    }

    internal static IResult GetPage(string creatorId, HttpContext context, ReplicaHolder holder, WidgetCache cache, ShopPages pages, SiteOrigins origins)
    {
        var replica = holder.Current;
        var catalog = Identifiers.IsValid(creatorId) ? replica.Find(creatorId) : null;
        if (catalog is null)
        {
            return replica.HasSnapshot
                ? ErrorPage(context, StatusCodes.Status404NotFound, "No such shop", "This shop does not exist (or not yet on this edge).")
                : ErrorPage(context, StatusCodes.Status503ServiceUnavailable, "Not ready yet", "This edge has not received the catalogs yet. Retry in a moment.", retryAfter: 1);
        }

        var page = pages.Get(creatorId, catalog.DisplayName, cache.Get(catalog, out _));
        SecureHeaders(context, origins.For(creatorId));
        // The page carries one catalog revision; revalidate so a new revision shows on reload.
        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Bytes(page, "text/html; charset=utf-8");
    }

    internal static IResult ListDrops(string creatorId, HttpContext context, ReplicaHolder holder, TimeProvider time)
    {
        var replica = holder.Current;
        if (!Identifiers.IsValid(creatorId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such creator.");
        }

        var now = time.GetUtcNow();
        var drops = replica.Drops.Values
            .Where(drop => drop.CreatorId == creatorId)
            .Select(drop => EdgeDropView.From(drop, now, replica.Find(creatorId)))
            .Where(static view => view.Phase != "closed")
            // The drop under way (open, early access, sold out before its end) first, then the next to start.
            .OrderBy(view => view.StartsAt <= now || view.Phase is "early_access" or "open" or "sold_out" ? 0 : 1)
            .ThenBy(static view => view.StartsAt)
            .ThenBy(static view => view.DropId, StringComparer.Ordinal)
            .ToList();
        if (drops.Count == 0 && replica.Find(creatorId) is null)
        {
            return replica.HasSnapshot
                ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such creator.")
                : Unavailable(context);
        }

        context.Response.Headers.CacheControl = "public, max-age=2";
        return TypedResults.Ok(new CreatorDropsResponse(creatorId, replica.Revision, drops));
    }

    private static ProblemHttpResult Unavailable(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "This edge has not received the catalog yet.", detail: "Retry shortly or use another edge.");
    }

    private static IResult ServeAsset(HttpContext context, ShopAssets.Asset asset, bool crossOrigin = false)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = AssetCacheControl;
        headers.ETag = asset.ETag;
        if (crossOrigin)
        {
            // A creator's page loads it with a plain <script src>: let pages that isolate themselves (COEP) load it too.
            headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        }
        else
        {
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
        }

        if (RevisionETag.IfNoneMatchMatches(context.Request.Headers.IfNoneMatch.ToString(), asset.ETag.ToString()))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(asset.Body, asset.ContentType);
    }

    private static void SecureHeaders(HttpContext context, IReadOnlyCollection<string> frameAncestors)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = frameAncestors.Count == 0 ? PagePolicy : PagePolicy + " " + string.Join(' ', frameAncestors);
        headers.XContentTypeOptions = "nosniff";
        // The token arrives in the URL fragment, which never leaves the browser; say nothing of the page to links either.
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
    }

    /// <summary>A small page for a browser that asked for a shop that is not here: same policy, no script.</summary>
    private static ContentHttpResult ErrorPage(HttpContext context, int status, string title, string detail, int? retryAfter = null)
    {
        SecureHeaders(context, []);
        context.Response.Headers.CacheControl = "no-store";
        if (retryAfter is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        var encoder = HtmlEncoder.Default;
        var html = $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{encoder.Encode(title)}</title><link rel="stylesheet" href="/shop/assets/shop.css"></head>
            <body data-state="error"><main class="panel"><h1>{encoder.Encode(title)}</h1><p>{encoder.Encode(detail)}</p></main></body></html>
            """;
        return TypedResults.Text(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }
}

/// <summary>A creator's drops that are not closed, as this edge knows them at <paramref name="Revision"/>.</summary>
internal sealed record CreatorDropsResponse(string CreatorId, long Revision, IReadOnlyList<EdgeDropView> Drops);
