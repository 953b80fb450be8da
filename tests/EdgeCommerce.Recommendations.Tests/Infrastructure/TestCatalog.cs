using System.Globalization;
using EdgeCommerce.Recommendations.Data;

namespace EdgeCommerce.Recommendations.Tests.Infrastructure;

/// <summary>A catalog shaped like the demo: four creators, product lines in a few categories, variants at rising prices.</summary>
internal static class TestCatalog
{
    public static IReadOnlyList<CatalogItem> Items { get; } = Build();

    private static List<CatalogItem> Build()
    {
        (string Creator, (string Category, long Price, int Variants)[] Lines)[] creators =
        [
            ("nova-threads", [("hoodie", 5900, 3), ("tee", 2900, 3), ("cap", 2400, 2), ("socks", 1200, 1)]),
            ("pixel-forge", [("tee", 2800, 2), ("poster", 1800, 3), ("deskmat", 3200, 2), ("keycap", 4500, 2)]),
            ("tea-and-tides", [("mug", 1800, 3), ("tea", 900, 3), ("apron", 3400, 2), ("tote", 1500, 1)]),
            ("sakura-studio", [("print", 2500, 4), ("washi", 600, 2), ("hoodie", 8800, 2), ("tote", 3300, 1)]),
        ];
        var items = new List<CatalogItem>();
        foreach (var (creator, lines) in creators)
        {
            foreach (var (category, price, variants) in lines)
            {
                for (var v = 0; v < variants; v++)
                {
                    items.Add(new CatalogItem(creator, string.Create(CultureInfo.InvariantCulture, $"{creator[..3]}-{category}-{v + 1:00}"), category, price + (300 * v)));
                }
            }
        }

        return items;
    }
}
