using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Origin.CatalogAdmin;

/// <summary>Limits a pushed catalog must respect. Every limit names its unit and default.</summary>
public sealed class CatalogOptions
{
    public const string SectionName = "Catalog";

    /// <summary>Largest accepted request body. The default is 4 MiB.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most products in one catalog. The default is 2,000 products.</summary>
    [Range(1, 100_000)]
    public int MaxProducts { get; set; } = 2_000;

    /// <summary>Most SKUs on one product. The default is 50 SKUs.</summary>
    [Range(1, 1_000)]
    public int MaxSkusPerProduct { get; set; } = 50;

    /// <summary>Longest title, in characters. The default is 200.</summary>
    [Range(1, 10_000)]
    public int MaxTitleLength { get; set; } = 200;

    /// <summary>Longest description, in characters. The default is 4,000.</summary>
    [Range(0, 100_000)]
    public int MaxDescriptionLength { get; set; } = 4_000;

    /// <summary>Longest image URL, in characters. The default is 2,048.</summary>
    [Range(16, 8_192)]
    public int MaxImageUrlLength { get; set; } = 2_048;

    /// <summary>Longest SKU label, in characters. The default is 64.</summary>
    [Range(1, 1_000)]
    public int MaxSkuLabelLength { get; set; } = 64;

    /// <summary>Most attributes on one product. The default is 32.</summary>
    [Range(0, 1_000)]
    public int MaxAttributes { get; set; } = 32;

    /// <summary>Longest attribute name, in characters. The default is 64.</summary>
    [Range(1, 1_000)]
    public int MaxAttributeNameLength { get; set; } = 64;

    /// <summary>Longest attribute value, in characters. The default is 256.</summary>
    [Range(1, 10_000)]
    public int MaxAttributeValueLength { get; set; } = 256;

    /// <summary>
    /// Highest price in major units of the currency (euros, yen); anything above is taken for a
    /// typo. The default is 100,000.
    /// </summary>
    [Range(1, 1_000_000_000)]
    public long MaxPriceMajorUnits { get; set; } = 100_000;
}
