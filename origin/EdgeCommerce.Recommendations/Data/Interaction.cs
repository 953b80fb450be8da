using EdgeCommerce.Contracts.Recommendations;

namespace EdgeCommerce.Recommendations.Data;

/// <summary>One viewer interaction with one of a creator's products, at a time.</summary>
public sealed record Interaction(string ViewerId, string CreatorId, string ProductId, InteractionKind Kind, DateTimeOffset At);

/// <summary>A product as the recommender sees it: its creator, a category, and its price in minor units.</summary>
/// <param name="Category">A closed-ish set shared across creators (e.g. <c>hoodie</c>); see <see cref="CatalogItems.CategoryOf"/>.</param>
public sealed record CatalogItem(string CreatorId, string ProductId, string Category, long PriceMinor)
{
    /// <summary>The key the model's item table uses: <c>creatorId/productId</c>.</summary>
    public string Key => CreatorId + "/" + ProductId;
}
