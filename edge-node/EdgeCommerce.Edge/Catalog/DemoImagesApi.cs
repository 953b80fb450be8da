using System.Globalization;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.Contracts;

namespace EdgeCommerce.Edge.Catalog;

/// <summary>
/// Generated product images for the demo catalog (<c>/images/demo/{name}.svg</c>), so a demo
/// stack needs no network and no image files. A name always yields the same picture.
/// </summary>
internal static class DemoImagesApi
{
    public static IEndpointRouteBuilder MapDemoImages(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/images/demo/{name}.svg", GetImage)
            .WithTags("Demo")
            .WithName("GetDemoImage")
            .WithSummary("A generated placeholder image for a demo product.");
        return endpoints;
    }

    internal static IResult GetImage(string name, HttpContext context)
    {
        if (!Identifiers.IsValid(name))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such image.");
        }

        var hash = BinaryPrimitives.ReadUInt32LittleEndian(SHA256.HashData(Encoding.ASCII.GetBytes(name)));
        var hue = hash % 360;
        var accent = (hue + 40) % 360;
        var label = name.Length > 18 ? name[..18] : name;
        var svg = string.Create(CultureInfo.InvariantCulture, $"""
            <svg xmlns="http://www.w3.org/2000/svg" width="320" height="320" viewBox="0 0 320 320" role="img" aria-label="{label}">
            <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl({hue},70%,55%)"/><stop offset="1" stop-color="hsl({accent},70%,35%)"/></linearGradient></defs>
            <rect width="320" height="320" rx="24" fill="url(#g)"/>
            <circle cx="{90 + (hash % 140)}" cy="{90 + (hash / 7 % 100)}" r="{40 + (hash % 30)}" fill="rgba(255,255,255,0.18)"/>
            <text x="160" y="290" font-family="sans-serif" font-size="22" fill="#fff" text-anchor="middle">{label}</text>
            </svg>
            """);
        context.Response.Headers.CacheControl = "public, max-age=86400, immutable";
        return TypedResults.Text(svg, "image/svg+xml", Encoding.UTF8);
    }
}
