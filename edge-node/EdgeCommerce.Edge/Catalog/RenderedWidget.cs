using System.Globalization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using Microsoft.Extensions.Primitives;

namespace EdgeCommerce.Edge.Catalog;

/// <summary>
/// A creator's widget at one revision, rendered once: the JSON bytes and the header values a
/// response needs, so serving it allocates nothing per request. The HTML fragment is rendered
/// on its first request and kept with the JSON (same revision, same lifetime), so the JSON path
/// never pays for it.
/// </summary>
internal sealed class RenderedWidget
{
    private readonly CreatorCatalog _catalog;
    private byte[]? _html;

    public RenderedWidget(CreatorCatalog catalog)
    {
        _catalog = catalog;
        Revision = catalog.Revision;
        Body = WidgetRenderer.RenderJson(catalog);
        ETag = RevisionETag.Format(catalog.Revision);
        ETagHeader = new StringValues(ETag);
        RevisionHeader = new StringValues(catalog.Revision.ToString(CultureInfo.InvariantCulture));
        HtmlETag = RevisionETag.Format(catalog.Revision, "html");
        HtmlETagHeader = new StringValues(HtmlETag);
    }

    /// <summary>The HTML fragment (<see cref="WidgetHtmlRenderer"/>), rendered once on first use.</summary>
    public byte[] Html => LazyInitializer.EnsureInitialized(ref _html, () => WidgetHtmlRenderer.RenderHtml(_catalog));

    /// <summary>The fragment's own entity tag (<c>"rN-html"</c>): another representation of the same revision.</summary>
    public string HtmlETag { get; }

    public StringValues HtmlETagHeader { get; }

    public long Revision { get; }

    public byte[] Body { get; }

    public string ETag { get; }

    public StringValues ETagHeader { get; }

    public StringValues RevisionHeader { get; }
}
