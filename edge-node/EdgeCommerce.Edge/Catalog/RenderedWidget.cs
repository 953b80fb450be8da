using System.Globalization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using Microsoft.Extensions.Primitives;

namespace EdgeCommerce.Edge.Catalog;

/// <summary>
/// A creator's widget at one revision, rendered once: the JSON bytes and the header values a
/// response needs, so serving it allocates nothing per request.
/// </summary>
internal sealed class RenderedWidget
{
    public RenderedWidget(CreatorCatalog catalog)
    {
        Revision = catalog.Revision;
        Body = WidgetRenderer.RenderJson(catalog);
        ETag = RevisionETag.Format(catalog.Revision);
        ETagHeader = new StringValues(ETag);
        RevisionHeader = new StringValues(catalog.Revision.ToString(CultureInfo.InvariantCulture));
    }

    public long Revision { get; }

    public byte[] Body { get; }

    public string ETag { get; }

    public StringValues ETagHeader { get; }

    public StringValues RevisionHeader { get; }
}
