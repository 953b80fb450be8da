using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeCommerce.ServiceDefaults.Observability;

/// <summary>The dashboard's page, assets and data endpoint.</summary>
internal static class DashboardEndpoints
{
    private static readonly Assembly s_assembly = typeof(DashboardEndpoints).Assembly;

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

    private static async Task<IResult> GetDataAsync(HttpContext context, RequestLatencyWindow window, TimeProvider timeProvider, IEnumerable<IDashboardSection> sections, IEnumerable<IDashboardTile> tiles, CancellationToken cancellationToken)
    {
        if (!LocalOnly.Allows(context))
        {
            return NotFound();
        }

        var data = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["generatedAt"] = timeProvider.GetUtcNow(),
            ["windowSeconds"] = RequestLatencyWindow.Seconds,
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
