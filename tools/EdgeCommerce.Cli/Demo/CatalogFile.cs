namespace EdgeCommerce.Cli.Demo;

/// <summary>A catalog document as the admin API takes it (<c>PUT /admin/v1/creators/{id}/catalog</c>).</summary>
internal sealed record CatalogFile(IReadOnlyList<CatalogProduct> Products);

internal sealed record CatalogProduct(
    string Id,
    string Title,
    string Description,
    string ImageUrl,
    CatalogPrice Price,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<CatalogSku> Skus);

/// <param name="AmountMinor">Minor units of <paramref name="Currency"/>: cents, pence, or whole yen.</param>
/// <param name="Currency">ISO 4217 code.</param>
internal sealed record CatalogPrice(long AmountMinor, string Currency);

internal sealed record CatalogSku(string Id, string Label);
