namespace EdgeCommerce.Origin.Tests.CatalogAdmin;

/// <summary>
/// Catalog bodies for the reader and API tests: a valid product built from raw JSON fragments,
/// so each bad case changes exactly one thing, and the table of bad catalogs both suites run.
/// </summary>
internal static class CatalogSamples
{
    /// <summary>Pass as a field to leave that field out of the product.</summary>
    public const string Omit = "<omit>";

    public const string ValidPrice = """{"amountMinor": 5900, "currency": "EUR"}""";

    public static string Product(
        string id = "\"p1\"",
        string title = "\"Tour hoodie\"",
        string description = "\"Heavy cotton\"",
        string imageUrl = "\"https://cdn.example.com/p1.png\"",
        string price = ValidPrice,
        string attributes = """{"color": "black"}""",
        string skus = """[{"id": "p1-m", "label": "M"}]""",
        string extra = "")
    {
        var fields = new List<string>();
        Add("id", id);
        Add("title", title);
        Add("description", description);
        Add("imageUrl", imageUrl);
        Add("price", price);
        Add("attributes", attributes);
        Add("skus", skus);
        if (extra.Length > 0)
        {
            fields.Add(extra);
        }

        return "{" + string.Join(", ", fields) + "}";

        void Add(string name, string value)
        {
            if (value != Omit)
            {
                fields.Add($"\"{name}\": {value}");
            }
        }
    }

    public static string Catalog(params string[] products) => "{\"products\": [" + string.Join(", ", products) + "]}";

    /// <summary>A valid one-product catalog; <paramref name="title"/> varies its content (and so its hash).</summary>
    public static string ValidCatalog(string title = "Tour hoodie") => Catalog(Product(title: Quote(title)));

    public static string Quote(string text) => "\"" + text + "\"";

    public static string Price(string amountMinor, string currency) => $$"""{"amountMinor": {{amountMinor}}, "currency": {{currency}}}""";

    public static string Sku(string id, string label) => $$"""{"id": "{{id}}", "label": "{{label}}"}""";

    /// <summary>
    /// Catalogs that parse but break one rule (or a few, named in the case), with the exact set of
    /// error keys the answer must carry under the default <c>CatalogOptions</c>.
    /// </summary>
    public static TheoryData<string, string, string[]> BadCatalogs => new()
    {
        // Root
        { "root is an array", "[]", ["$"] },
        { "root is null", "null", ["$"] },
        { "root is a string", "\"products\"", ["$"] },
        { "products missing", "{}", ["products"] },
        { "products is an object", """{"products": {}}""", ["products"] },
        { "products is null", """{"products": null}""", ["products"] },
        { "unknown root field", """{"products": [], "owner": "me"}""", ["owner"] },
        { "products repeated", """{"products": [], "products": []}""", ["products"] },
        { "product is a number", """{"products": [1]}""", ["products[0]"] },
        { "too many products", "{\"products\": [" + string.Join(",", Enumerable.Repeat("{}", 2_001)) + "]}", ["products"] },

        // Product ids
        { "id missing", Catalog(Product(id: Omit)), ["products[0].id"] },
        { "id empty", Catalog(Product(id: "\"\"")), ["products[0].id"] },
        { "id with a space", Catalog(Product(id: "\"hoodie 01\"")), ["products[0].id"] },
        { "id starting with a dash", Catalog(Product(id: "\"-p1\"")), ["products[0].id"] },
        { "id of 65 characters", Catalog(Product(id: Quote(new string('p', 65)))), ["products[0].id"] },
        { "id not ASCII", Catalog(Product(id: "\"caf\u00e9\"")), ["products[0].id"] },
        { "id is a number", Catalog(Product(id: "1")), ["products[0].id"] },
        { "duplicate product ids", Catalog(Product(), Product(skus: "[" + Sku("p1-l", "L") + "]")), ["products[1].id"] },

        // Titles and descriptions
        { "title missing", Catalog(Product(title: Omit)), ["products[0].title"] },
        { "title empty", Catalog(Product(title: "\"\"")), ["products[0].title"] },
        { "title blank", Catalog(Product(title: "\"   \"")), ["products[0].title"] },
        { "title null", Catalog(Product(title: "null")), ["products[0].title"] },
        { "title is a number", Catalog(Product(title: "7")), ["products[0].title"] },
        { "title of 201 characters", Catalog(Product(title: Quote(new string('t', 201)))), ["products[0].title"] },
        { "title with a line break", Catalog(Product(title: "\"Tour\\nhoodie\"")), ["products[0].title"] },
        { "title with a bell character", Catalog(Product(title: "\"Tour\\u0007hoodie\"")), ["products[0].title"] },
        { "title with a lone surrogate", Catalog(Product(title: "\"Tour \\ud800 hoodie\"")), ["products[0].title"] },
        { "description of 4001 characters", Catalog(Product(description: Quote(new string('d', 4_001)))), ["products[0].description"] },
        { "description is a number", Catalog(Product(description: "5")), ["products[0].description"] },
        { "description with NUL", Catalog(Product(description: "\"a\\u0000b\"")), ["products[0].description"] },
        { "description with escape character", Catalog(Product(description: "\"a\\u001bb\"")), ["products[0].description"] },

        // Image URLs
        { "image over http", Catalog(Product(imageUrl: "\"http://cdn.example.com/p1.png\"")), ["products[0].imageUrl"] },
        { "image javascript URL", Catalog(Product(imageUrl: "\"javascript:alert(1)\"")), ["products[0].imageUrl"] },
        { "image protocol-relative", Catalog(Product(imageUrl: "\"//cdn.example.com/p1.png\"")), ["products[0].imageUrl"] },
        { "image over ftp", Catalog(Product(imageUrl: "\"ftp://cdn.example.com/p1.png\"")), ["products[0].imageUrl"] },
        { "image with user info", Catalog(Product(imageUrl: "\"https://user:pw@cdn.example.com/p1.png\"")), ["products[0].imageUrl"] },
        { "image relative path", Catalog(Product(imageUrl: "\"images/p1.png\"")), ["products[0].imageUrl"] },
        { "image URL of 2049 characters", Catalog(Product(imageUrl: Quote("https://cdn.example.com/" + new string('i', 2_049 - 24)))), ["products[0].imageUrl"] },
        { "image URL is a number", Catalog(Product(imageUrl: "1")), ["products[0].imageUrl"] },

        // Prices
        { "price missing", Catalog(Product(price: Omit)), ["products[0].price"] },
        { "price is a number", Catalog(Product(price: "5900")), ["products[0].price"] },
        { "price negative", Catalog(Product(price: Price("-1", "\"EUR\""))), ["products[0].price.amountMinor"] },
        { "price absurd in EUR", Catalog(Product(price: Price("10000001", "\"EUR\""))), ["products[0].price.amountMinor"] },
        { "price absurd in JPY", Catalog(Product(price: Price("100001", "\"JPY\""))), ["products[0].price.amountMinor"] },
        { "price absurd in KWD", Catalog(Product(price: Price("100000001", "\"KWD\""))), ["products[0].price.amountMinor"] },
        { "price as a float", Catalog(Product(price: Price("59.5", "\"EUR\""))), ["products[0].price.amountMinor"] },
        { "price as a whole float", Catalog(Product(price: Price("5900.0", "\"EUR\""))), ["products[0].price.amountMinor"] },
        { "price in exponent form", Catalog(Product(price: Price("1e3", "\"EUR\""))), ["products[0].price.amountMinor"] },
        { "price as a string", Catalog(Product(price: Price("\"5900\"", "\"EUR\""))), ["products[0].price.amountMinor"] },
        { "price beyond int64", Catalog(Product(price: Price("99999999999999999999", "\"EUR\""))), ["products[0].price.amountMinor"] },
        { "price null", Catalog(Product(price: Price("null", "\"EUR\""))), ["products[0].price.amountMinor"] },
        { "amountMinor missing", Catalog(Product(price: """{"currency": "EUR"}""")), ["products[0].price.amountMinor"] },
        { "currency missing", Catalog(Product(price: """{"amountMinor": 5900}""")), ["products[0].price.currency"] },
        { "currency lower case", Catalog(Product(price: Price("5900", "\"eur\""))), ["products[0].price.currency"] },
        { "currency unknown", Catalog(Product(price: Price("5900", "\"ABC\""))), ["products[0].price.currency"] },
        { "currency is gold", Catalog(Product(price: Price("5900", "\"XAU\""))), ["products[0].price.currency"] },
        { "currency is a number", Catalog(Product(price: Price("5900", "978"))), ["products[0].price.currency"] },
        { "negative price and unknown currency", Catalog(Product(price: Price("-5", "\"ABC\""))), ["products[0].price.amountMinor", "products[0].price.currency"] },
        { "unknown price field", Catalog(Product(price: """{"amountMinor": 5900, "currency": "EUR", "tax": 0}""")), ["products[0].price.tax"] },

        // Attributes
        { "attributes is an array", Catalog(Product(attributes: "[]")), ["products[0].attributes"] },
        { "attribute value is a number", Catalog(Product(attributes: """{"size": 42}""")), ["products[0].attributes.size"] },
        { "attribute value with a control character", Catalog(Product(attributes: """{"color": "bl\u0001ack"}""")), ["products[0].attributes.color"] },
        { "attribute value with a lone surrogate", Catalog(Product(attributes: """{"color": "\udc00"}""")), ["products[0].attributes.color"] },
        { "attribute value of 257 characters", Catalog(Product(attributes: "{\"color\": " + Quote(new string('v', 257)) + "}")), ["products[0].attributes.color"] },
        { "attribute name empty", Catalog(Product(attributes: """{"": "x"}""")), ["products[0].attributes."] },
        { "attribute name of 65 characters", Catalog(Product(attributes: "{" + Quote(new string('n', 65)) + ": \"x\"}")), ["products[0].attributes." + new string('n', 65)] },
        { "attribute name repeated", Catalog(Product(attributes: """{"color": "black", "color": "white"}""")), ["products[0].attributes.color"] },
        { "33 attributes", Catalog(Product(attributes: "{" + string.Join(", ", Enumerable.Range(0, 33).Select(static i => $"\"a{i}\": \"v\"")) + "}")), ["products[0].attributes"] },

        // SKUs
        { "skus missing", Catalog(Product(skus: Omit)), ["products[0].skus"] },
        { "skus empty", Catalog(Product(skus: "[]")), ["products[0].skus"] },
        { "skus is an object", Catalog(Product(skus: "{}")), ["products[0].skus"] },
        { "51 skus", Catalog(Product(skus: "[" + string.Join(", ", Enumerable.Range(0, 51).Select(static i => Sku($"p1-{i}", "S"))) + "]")), ["products[0].skus"] },
        { "sku is a string", Catalog(Product(skus: """["p1-m"]""")), ["products[0].skus[0]"] },
        { "sku id missing", Catalog(Product(skus: """[{"label": "M"}]""")), ["products[0].skus[0].id"] },
        { "sku id invalid", Catalog(Product(skus: """[{"id": "p1/m", "label": "M"}]""")), ["products[0].skus[0].id"] },
        { "sku label missing", Catalog(Product(skus: """[{"id": "p1-m"}]""")), ["products[0].skus[0].label"] },
        { "sku label empty", Catalog(Product(skus: """[{"id": "p1-m", "label": ""}]""")), ["products[0].skus[0].label"] },
        { "sku label of 65 characters", Catalog(Product(skus: "[" + Sku("p1-m", new string('l', 65)) + "]")), ["products[0].skus[0].label"] },
        { "sku label with a tab", Catalog(Product(skus: """[{"id": "p1-m", "label": "M\tL"}]""")), ["products[0].skus[0].label"] },
        { "sku ids repeated in a product", Catalog(Product(skus: "[" + Sku("p1-m", "M") + ", " + Sku("p1-m", "L") + "]")), ["products[0].skus[1].id"] },
        { "sku id repeated across products", Catalog(Product(), Product(id: "\"p2\"")), ["products[1].skus[0].id"] },

        // Unknown and repeated fields at every level
        { "unknown product field", Catalog(Product(extra: "\"color\": \"black\"")), ["products[0].color"] },
        { "unknown sku field", Catalog(Product(skus: """[{"id": "p1-m", "label": "M", "stock": 4}]""")), ["products[0].skus[0].stock"] },
        { "product field repeated", Catalog(Product(extra: "\"title\": \"Other\"")), ["products[0].title"] },
        { "price field repeated", Catalog(Product(price: """{"amountMinor": 5900, "currency": "EUR", "currency": "USD"}""")), ["products[0].price.currency"] },
        { "sku field repeated", Catalog(Product(skus: """[{"id": "p1-m", "label": "M", "label": "L"}]""")), ["products[0].skus[0].label"] },

        // Several errors at once, each under its own key
        {
            "several bad fields",
            Catalog(Product(id: "\"bad id\"", title: "\"\"", price: Price("-1", "\"EUR\""), imageUrl: "\"http://x.example/a.png\"", extra: "\"x\": 1")),
            ["products[0].id", "products[0].title", "products[0].price.amountMinor", "products[0].imageUrl", "products[0].x"]
        },
    };
}
