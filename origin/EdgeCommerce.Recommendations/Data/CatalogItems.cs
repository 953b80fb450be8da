using System.Globalization;

namespace EdgeCommerce.Recommendations.Data;

/// <summary>How a catalog product becomes a <see cref="CatalogItem"/>.</summary>
public static class CatalogItems
{
    /// <summary>
    /// The product's category: its <c>category</c> attribute when it has one; otherwise the product
    /// id without its creator prefix and variant suffix (<c>nova-hoodie-02</c> → <c>hoodie</c>), which
    /// is how the demo catalogs name products.
    /// </summary>
    public static string CategoryOf(string productId, IReadOnlyDictionary<string, string>? attributes)
    {
        ArgumentNullException.ThrowIfNull(productId);
        if (attributes is not null && attributes.TryGetValue("category", out var category) && category.Length > 0)
        {
            return category.ToLowerInvariant();
        }

        var parts = productId.Split('-');
        var end = parts.Length;
        if (end > 1 && int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            end--;
        }

        var start = end > 1 ? 1 : 0;
        return string.Join('-', parts[start..end]).ToLowerInvariant();
    }
}
