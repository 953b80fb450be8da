using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeCommerce.ServiceDefaults.Observability;

/// <summary>The dashboard's page, assets and data endpoint.</summary>
internal static class DashboardEndpoints
{
    /// <summary>Where browsers look for a page's icon unless told otherwise.</summary>
    public const string FaviconPath = "/favicon.ico";

    /// <summary>
    /// Fewer samples than this in a percentile and the dashboard greys it out: a P95 of a handful
    /// of requests is the slowest of them, not a percentile.
    /// </summary>
    public const int MinSamples = 20;

    private static readonly Assembly s_assembly = typeof(DashboardEndpoints).Assembly;

    // A small SVG (Chromium and Firefox take SVG at /favicon.ico by its content type): without it
    // every page view costs a 404 in the logs and the metrics.
    private static readonly byte[] s_favicon = Encoding.UTF8.GetBytes(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><rect width=\"32\" height=\"32\" rx=\"7\" fill=\"#0f1419\"/>"
        + "<path d=\"M9 8h14v4H13.5v2.5H21v3.5h-7.5V20H23v4H9z\" fill=\"#58a6ff\"/></svg>");

    public static void MapFavicon(WebApplication app)
    {
        foreach (var path in new[] { FaviconPath, "/favicon.svg" })
        {
            app.MapGet(path, static (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "public, max-age=86400";
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return TypedResults.Bytes(s_favicon, "image/svg+xml");
            }).DisableHttpMetrics().ExcludeFromDescription();
        }
    }

    public static void Map(WebApplication app, string title)
    {
        var page = Encoding.UTF8.GetBytes(Asset("dashboard.html").Replace("{{title}}", System.Net.WebUtility.HtmlEncode(title), StringComparison.Ordinal));
        var script = Encoding.UTF8.GetBytes(Asset("dashboard.js"));
        var styles = Encoding.UTF8.GetBytes(Asset("dashboard.css"));
        var group = app.MapGroup(ObservabilityExtensions.DashboardPath).WithTags("Dashboard").ExcludeFromDescription();
        group.MapGet("/", (HttpContext context) => Serve(context, page, "text/html; charset=utf-8"));
        group.MapGet("/dashboard.js", (HttpContext context) => Serve(context, script, "text/javascript; charset=utf-8"));
        group.MapGet("/dashboard.css", (HttpContext context) => Serve(context, styles, "text/css; charset=utf-8"));
        group.MapGet("/data.json", GetDataAsync);
    }

    private static IResult Serve(HttpContext context, byte[] body, string contentType)
    {
        if (!LocalOnly.Allows(context))
        {
            return NotFound();
        }

        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        // Everything the page needs comes from this origin; nothing inline runs.
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
        return TypedResults.Bytes(body, contentType);
    }

    private static async Task<IResult> GetDataAsync(HttpContext context, RequestLatencyWindow window, LongLivedRequests streams, TimeProvider timeProvider, IEnumerable<IDashboardSection> sections, IEnumerable<IDashboardTile> tiles, CancellationToken cancellationToken)
    {
        if (!LocalOnly.Allows(context))
        {
            return NotFound();
        }

        var data = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["generatedAt"] = timeProvider.GetUtcNow(),
            ["windowSeconds"] = RequestLatencyWindow.Seconds,
            ["minSamples"] = MinSamples,
            ["streams"] = streams.Summary(),
            ["overall"] = window.Overall(),
            ["routes"] = window.Snapshot(),
            ["tiles"] = tiles.Select(static t => t.Read()).ToList(),
        };
        foreach (var section in sections)
        {
            data[section.Name] = await section.DescribeAsync(cancellationToken);
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(data);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.");

    private static string Asset(string name)
    {
        using var stream = s_assembly.GetManifestResourceStream("dashboard/" + name)
            ?? throw new InvalidOperationException("Unable to load the dashboard asset " + name + ".");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
