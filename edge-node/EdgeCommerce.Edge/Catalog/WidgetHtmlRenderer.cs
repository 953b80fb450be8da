using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Catalog;

/// <summary>
/// Renders a creator's catalog as the widget's HTML fragment (<c>Accept: text/html</c>): the same
/// content as the JSON, as markup a page can insert as is. Every catalog string goes through
/// <see cref="HtmlEncoder"/> (text and attribute values alike: it encodes <c>&lt; &gt; &amp; " '</c>
/// and everything outside ASCII), so a product named <c>&lt;script&gt;</c> stays text.
/// </summary>
internal static class WidgetHtmlRenderer
{
    private static readonly HtmlEncoder s_encoder = HtmlEncoder.Default;

    public static byte[] RenderHtml(CreatorCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var html = new StringBuilder(256 + (catalog.Products.Count * 512));
        html.Append("<section class=\"ec-widget\" data-creator-id=\"").Append(Encode(catalog.CreatorId))
            .Append("\" data-revision=\"").Append(catalog.Revision.ToString(CultureInfo.InvariantCulture)).Append("\">\n")
            .Append("<ul class=\"ec-products\">\n");
        foreach (var product in catalog.Products)
        {
            html.Append("<li class=\"ec-product\" data-product-id=\"").Append(Encode(product.Id)).Append("\">");
            if (IsImageUrl(product.ImageUrl))
            {
                html.Append("<img class=\"ec-image\" src=\"").Append(Encode(product.ImageUrl)).Append("\" alt=\"\" width=\"160\" height=\"160\" loading=\"lazy\">");
            }

            html.Append("<h3 class=\"ec-title\">").Append(Encode(product.Title)).Append("</h3>");
            if (product.Description.Length > 0)
            {
                html.Append("<p class=\"ec-description\">").Append(Encode(product.Description)).Append("</p>");
            }

            var amount = product.Price?.AmountMinor ?? 0;
            var currency = product.Price?.Currency ?? "";
            html.Append("<p class=\"ec-price\" data-amount-minor=\"").Append(amount.ToString(CultureInfo.InvariantCulture))
                .Append("\" data-currency=\"").Append(Encode(currency)).Append("\">").Append(Encode(FormatPrice(amount, currency))).Append("</p>");
            if (product.Skus.Count > 0)
            {
                html.Append("<ul class=\"ec-skus\">");
                foreach (var sku in product.Skus)
                {
                    html.Append("<li data-sku-id=\"").Append(Encode(sku.Id)).Append("\">").Append(Encode(sku.Label)).Append("</li>");
                }

                html.Append("</ul>");
            }

            html.Append("</li>\n");
        }

        html.Append("</ul>\n</section>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    /// <summary><c>2500 EUR</c> → <c>25.00 EUR</c>, by the currency's ISO 4217 minor unit.</summary>
    internal static string FormatPrice(long amountMinor, string currency)
    {
        var digits = Iso4217.MinorUnitsOrTwo(currency);
        var value = digits == 0 ? amountMinor : amountMinor / (decimal)Math.Pow(10, digits);
        return value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " " + currency;
    }

    /// <summary>
    /// Only same-site paths (<c>/…</c>, not <c>//…</c>) and <c>https</c> URLs become an image:
    /// never a <c>javascript:</c> or <c>data:</c> URL from a catalog.
    /// </summary>
    private static bool IsImageUrl(string url)
        => url.Length > 0
            && ((url[0] == '/' && (url.Length == 1 || url[1] is not ('/' or '\\')))
                || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase));

    private static string Encode(string value) => s_encoder.Encode(value);
}
