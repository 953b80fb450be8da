using System.Globalization;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Recommendations.Data;
using EdgeCommerce.Recommendations.Demo;
using EdgeCommerce.Recommendations.Training;

namespace EdgeCommerce.Edge.Tests.Infrastructure;

/// <summary>
/// Real models, trained with ML.NET on generated interactions over two test creators' catalogs
/// (12 products each in four categories, two SKUs per product), exported to ONNX exactly as the
/// origin does. Trained once per test run (a couple of seconds).
/// </summary>
internal static class RecommenderModels
{
    public const string CreatorA = "creator-a";
    public const string CreatorB = "creator-b";

    private static readonly string[] s_categories = ["hoodie", "tee", "cap", "poster"];
    private static readonly Lazy<TrainedRecommender> s_v1 = new(() => Train("v1", seed: 7));
    private static readonly Lazy<TrainedRecommender> s_v2 = new(() => Train("v2", seed: 8));

    public static TrainedRecommender V1 => s_v1.Value;

    public static TrainedRecommender V2 => s_v2.Value;

    /// <summary>Product ids of a creator: <c>a-hoodie-01</c> … (12).</summary>
    public static string[] ProductIds(string creatorId)
        => [.. s_categories.SelectMany(c => Enumerable.Range(1, 3).Select(v => string.Create(CultureInfo.InvariantCulture, $"{creatorId[^1]}-{c}-{v:00}")))];

    public static CreatorCatalog Catalog(string creatorId, long revision = 1)
    {
        var catalog = CatalogData.CatalogOf(creatorId, revision, ProductIds(creatorId));
        for (var i = 0; i < catalog.Products.Count; i++)
        {
            catalog.Products[i].Price = new Money { AmountMinor = 1000 + (i % 3 * 700), Currency = "EUR" };
        }

        return catalog;
    }

    /// <summary>Both creators' products as the origin's training reads them from the catalogs.</summary>
    public static List<CatalogItem> Items()
        => [.. new[] { CreatorA, CreatorB }.SelectMany(creator => Catalog(creator).Products.Select(p => new CatalogItem(creator, p.Id, CatalogItems.CategoryOf(p.Id, p.Attributes), p.Price.AmountMinor)))];

    private static TrainedRecommender Train(string version, int seed)
    {
        var items = Items();
        var interactions = DemoInteractionGenerator.Generate(items, new DemoInteractionOptions { Viewers = 300, Seed = seed });
        return RecommenderTrainer.Train(items, interactions, version, new TrainingOptions { Iterations = 10, Seed = seed });
    }
}
