using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using EdgeCommerce.Edge.Catalog;

namespace EdgeCommerce.Edge.Shop;

/// <summary>
/// The shop page of a creator at one catalog revision: the template around the widget's
/// pre-rendered HTML fragment, so the products show before any script runs (and without one).
/// Rendered once per <see cref="RenderedWidget"/> (one revision) and dropped with it, the same
/// way <see cref="WidgetCache"/> keys widgets by the replica's catalog object.
/// </summary>
internal sealed class ShopPages(ShopAssets assets, SiteOrigins origins)
{
    private readonly ConditionalWeakTable<RenderedWidget, byte[]> _pages = [];

    /// <param name="displayName">The creator's name as the catalog gives it; empty: the creator id.</param>
    public byte[] Get(string creatorId, string displayName, RenderedWidget widget)
        => _pages.GetValue(widget, w => Render(creatorId, displayName, w));

    private byte[] Render(string creatorId, string displayName, RenderedWidget widget)
    {
        var encoder = HtmlEncoder.Default;
        var template = assets.PageTemplate;
        var at = template.IndexOf("{{widget}}", StringComparison.Ordinal);
        var head = template[..at]
            .Replace("{{creatorName}}", encoder.Encode(string.IsNullOrWhiteSpace(displayName) ? creatorId : displayName), StringComparison.Ordinal)
            .Replace("{{creatorId}}", encoder.Encode(creatorId), StringComparison.Ordinal)
            .Replace("{{siteOrigins}}", encoder.Encode(string.Join(' ', origins.For(creatorId))), StringComparison.Ordinal);
        var tail = template[(at + "{{widget}}".Length)..];
        var headBytes = Encoding.UTF8.GetBytes(head);
        var tailBytes = Encoding.UTF8.GetBytes(tail);
        return [.. headBytes, .. widget.Html, .. tailBytes];
    }
}
