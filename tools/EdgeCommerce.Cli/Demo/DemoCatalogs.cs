using System.Globalization;
using System.Text;

namespace EdgeCommerce.Cli.Demo;

/// <summary>A demo creator and its catalog.</summary>
/// <param name="Id">The creator id, e.g. <c>nova-threads</c>.</param>
/// <param name="Catalog">Its catalog, as pushed to the origin.</param>
internal sealed record DemoCreator(string Id, CatalogFile Catalog);

/// <summary>
/// The demo data set <c>up</c> seeds into an empty origin: four creators selling in EUR, USD, GBP
/// and JPY, nine products each, sizes as SKUs. It is generated in code from fixed tables (no
/// randomness), so every run, machine and test sees the same bytes. Images point at the edge's
/// generated demo images, <c>/images/demo/&lt;productId&gt;.svg</c>.
/// </summary>
internal static class DemoCatalogs
{
    private static readonly string[] s_apparel = ["XS", "S", "M", "L", "XL"];
    private static readonly string[] s_oneSize = ["One size"];

    private static readonly CreatorSpec[] s_creators =
    [
        new("nova-threads", "nova", "EUR",
        [
            new("hoodie", "Tour hoodie", "Heavy brushed cotton, oversized fit, embroidered tour logo.", 5900, 400, s_apparel, "color", ["Black", "Sand", "Forest"]),
            new("tee", "Logo tee", "Organic cotton, screen-printed front logo.", 2900, 200, ["S", "M", "L", "XL"], "color", ["White", "Black", "Washed blue"]),
            new("cap", "Dad cap", "Unstructured six-panel cap with a brass buckle.", 2400, 0, s_oneSize, "color", ["Navy", "Stone"]),
            new("socks", "Crew socks", "Combed cotton crew socks, ribbed cuff.", 1200, 0, ["36-40", "41-46"], "color", ["Cream"]),
        ]),
        new("pixel-forge", "pxf", "USD",
        [
            new("tee", "Pixel tee", "Soft ring-spun tee with an 8-bit hero print.", 2800, 0, ["S", "M", "L", "XL", "XXL"], "color", ["Black", "Heather grey"]),
            new("poster", "Boss fight poster", "Giclee print on 200 g matte paper, signed.", 1800, 500, ["A3", "A2"], "edition", ["Dragon", "Mech", "Castle"]),
            new("deskmat", "Desk mat", "Stitched-edge desk mat with a rubber base.", 3200, 300, ["M", "L", "XL"], "design", ["Neon", "Retro"]),
            new("keycap", "Artisan keycap", "Hand-cast resin keycap for Cherry MX stems.", 4500, 1000, s_oneSize, "design", ["Slime", "Crystal"]),
        ]),
        new("tea-and-tides", "tide", "GBP",
        [
            new("mug", "Stoneware mug", "Wheel-thrown stoneware, dishwasher safe.", 1800, 150, ["300 ml", "450 ml"], "glaze", ["Tide blue", "Sea salt", "Kelp"]),
            new("tea", "Loose-leaf tea", "Small-batch loose-leaf tea in a resealable tin.", 900, 100, ["50 g", "100 g"], "blend", ["Breakfast", "Earl grey", "Sencha"]),
            new("apron", "Linen apron", "Stonewashed linen apron with two deep pockets.", 3400, 0, ["S", "M", "L"], "color", ["Oat", "Charcoal"]),
            new("tote", "Market tote", "Heavy canvas tote with leather handles.", 1500, 0, s_oneSize, "color", ["Natural"]),
        ]),
        new("sakura-studio", "skr", "JPY",
        [
            new("print", "Art print", "Risograph print on washi paper.", 2500, 300, ["B5", "A4", "A3"], "season", ["Spring", "Summer", "Autumn", "Winter"]),
            new("washi", "Washi tape", "Japanese paper masking tape, 10 m roll.", 600, 50, ["15 mm", "25 mm"], "pattern", ["Petals", "Waves"]),
            new("hoodie", "Studio hoodie", "Loopback cotton hoodie with a sleeve print.", 8800, 0, ["S", "M", "L", "XL"], "color", ["Ink", "Blossom"]),
            new("tote", "Canvas tote", "Canvas tote with an inner pocket.", 3300, 0, s_oneSize, "color", ["Ecru"]),
        ]),
    ];

    /// <summary>The demo creators, in a fixed order; the same on every call.</summary>
    public static IReadOnlyList<DemoCreator> Create() => [.. s_creators.Select(static creator => new DemoCreator(creator.Id, Build(creator)))];

    private static CatalogFile Build(CreatorSpec creator)
    {
        var products = new List<CatalogProduct>();
        foreach (var line in creator.Lines)
        {
            for (var variant = 0; variant < line.Variants.Length; variant++)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"{creator.Prefix}-{line.Kind}-{variant + 1:00}");
                var name = line.Variants[variant];
                var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    [line.VariantAttribute] = name,
                    ["collection"] = creator.Id,
                };
                products.Add(new CatalogProduct(
                    id,
                    $"{line.Title} ({name})",
                    line.Description,
                    "/images/demo/" + id + ".svg",
                    new CatalogPrice(line.PriceMinor + (line.PriceStepMinor * variant), creator.Currency),
                    attributes,
                    [.. line.Sizes.Select(size => new CatalogSku(id + "-" + Slug(size), size))]));
            }
        }

        return new CatalogFile(products);
    }

    /// <summary>"300 ml" → "300-ml", "One size" → "one-size": a SKU id suffix.</summary>
    internal static string Slug(string label)
    {
        var slug = new StringBuilder(label.Length);
        foreach (var c in label)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(char.ToLowerInvariant(c));
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        return slug.ToString().TrimEnd('-');
    }

    private sealed record CreatorSpec(string Id, string Prefix, string Currency, LineSpec[] Lines);

    /// <summary>One product line: a product per variant, a SKU per size, prices stepping up per variant.</summary>
    private sealed record LineSpec(string Kind, string Title, string Description, long PriceMinor, long PriceStepMinor, string[] Sizes, string VariantAttribute, string[] Variants);
}
