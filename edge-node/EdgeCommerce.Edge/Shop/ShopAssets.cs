using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace EdgeCommerce.Edge.Shop;

/// <summary>
/// The shop's page template, script and styles and the embed script, embedded in the edge's
/// assembly (no CDN, no files to deploy) and read once at startup.
/// </summary>
internal sealed class ShopAssets
{
    private static readonly Assembly s_assembly = typeof(ShopAssets).Assembly;

    public ShopAssets()
    {
        PageTemplate = Read("shop.html");
        Script = Asset.Of(Read("shop.js"), "text/javascript; charset=utf-8");
        Styles = Asset.Of(Read("shop.css"), "text/css; charset=utf-8");
        Embed = Asset.Of(Read("embed.js"), "text/javascript; charset=utf-8");
    }

    /// <summary>The page, with <c>{{creatorId}}</c>, <c>{{siteOrigins}}</c> and <c>{{widget}}</c> to fill.</summary>
    public string PageTemplate { get; }

    public Asset Script { get; }

    public Asset Styles { get; }

    public Asset Embed { get; }

    private static string Read(string name)
    {
        using var stream = s_assembly.GetManifestResourceStream("shop/" + name)
            ?? throw new InvalidOperationException("Unable to load the shop asset " + name + ".");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>A static asset's bytes, content type and strong ETag (its SHA-256).</summary>
    internal sealed record Asset(byte[] Body, string ContentType, StringValues ETag)
    {
        public static Asset Of(string text, string contentType)
        {
            var body = Encoding.UTF8.GetBytes(text);
            return new Asset(body, contentType, new StringValues("\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..16] + "\""));
        }
    }
}
