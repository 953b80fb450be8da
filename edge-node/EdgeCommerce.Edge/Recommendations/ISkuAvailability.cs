namespace EdgeCommerce.Edge.Recommendations;

/// <summary>
/// Whether a SKU can be sold right now, as this edge knows it. Recommendations ask it for every
/// candidate on every request (never a cached list), so a SKU that sells out stops being
/// recommended by the next request.
/// </summary>
internal interface ISkuAvailability
{
    bool IsInStock(string creatorId, string skuId);
}

/// <summary>
/// Until the replica carries stock (drops, issue 6), a SKU listed in the creator's catalog in the
/// replica is in stock, and one the catalog no longer lists is not a candidate at all.
/// </summary>
internal sealed class CatalogListedAvailability : ISkuAvailability
{
    public bool IsInStock(string creatorId, string skuId) => true;
}
