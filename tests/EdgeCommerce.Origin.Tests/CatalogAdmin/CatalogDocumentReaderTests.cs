using System.Text;
using System.Text.Json;
using EdgeCommerce.Origin.CatalogAdmin;
using static EdgeCommerce.Origin.Tests.CatalogAdmin.CatalogSamples;

namespace EdgeCommerce.Origin.Tests.CatalogAdmin;

public sealed class CatalogDocumentReaderTests
{
    [Fact]
    public void Read_ValidCatalog_ReturnsDocument()
    {
        // Arrange
        using var json = JsonDocument.Parse("""
            {"products": [{"id": "hoodie-01", "title": "Tour hoodie", "description": "Heavy cotton",
              "imageUrl": "https://cdn.example.com/hoodie.png",
              "price": {"amountMinor": 5900, "currency": "EUR"},
              "attributes": {"color": "black"},
              "skus": [{"id": "hoodie-01-m", "label": "M"}, {"id": "hoodie-01-l", "label": "L"}]}]}
            """);

        // Act
        var result = new CatalogDocumentReader(new CatalogOptions()).Read(json.RootElement);

        // Assert
        Assert.Empty(result.Errors);
        var product = Assert.Single(result.Document!.Products);
        Assert.Equal(5900, product.Price.AmountMinor);
        Assert.Equal(2, product.Skus.Count);
    }

    [Theory]
    [MemberData(nameof(CatalogSamples.BadCatalogs), MemberType = typeof(CatalogSamples))]
    public void Read_BadCatalog_ReportsExactlyTheBadPaths(string scenario, string body, string[] expectedKeys)
    {
        // Arrange
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.True(result.Document is null, scenario);
        Assert.Equal(expectedKeys.Order(StringComparer.Ordinal), result.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(result.Errors.Values, static messages => Assert.All(messages, static message => Assert.False(string.IsNullOrWhiteSpace(message))));
    }

    public static TheoryData<string, string> ValidVariants => new()
    {
        { "no description, image or attributes", Catalog(Product(description: Omit, imageUrl: Omit, attributes: Omit)) },
        { "null description, image and attributes", Catalog(Product(description: "null", imageUrl: "null", attributes: "null")) },
        { "empty attributes", Catalog(Product(attributes: "{}")) },
        { "empty catalog", """{"products": []}""" },
        { "root-relative image on the stack", Catalog(Product(imageUrl: "\"/images/demo/x.svg\"")) },
        { "free product", Catalog(Product(price: Price("0", "\"EUR\""))) },
        { "max EUR price", Catalog(Product(price: Price("10000000", "\"EUR\""))) },
        { "max JPY price (0 minor units)", Catalog(Product(price: Price("100000", "\"JPY\""))) },
        { "max KWD price (3 minor units)", Catalog(Product(price: Price("100000000", "\"KWD\""))) },
        { "negative zero", Catalog(Product(price: Price("-0", "\"EUR\""))) },
        { "description with line breaks and tabs", Catalog(Product(description: "\"line 1\\r\\nline 2\\tend\"")) },
        { "emoji as a surrogate pair", Catalog(Product(title: "\"Hoodie \\ud83d\\ude00\"")) },
        { "id of 64 characters", Catalog(Product(id: Quote(new string('p', 64)))) },
        { "title of 200 characters", Catalog(Product(title: Quote(new string('t', 200)))) },
        { "50 skus", Catalog(Product(skus: "[" + string.Join(", ", Enumerable.Range(0, 50).Select(static i => Sku($"p1-{i}", "S"))) + "]")) },
        { "32 attributes", Catalog(Product(attributes: "{" + string.Join(", ", Enumerable.Range(0, 32).Select(static i => $"\"a{i}\": \"v\"")) + "}")) },
        { "2000 products", "{\"products\": [" + string.Join(",", Enumerable.Range(0, 2_000).Select(static i => Product(id: $"\"p{i}\"", skus: "[" + Sku($"s{i}", "M") + "]"))) + "]}" },
    };

    [Theory]
    [MemberData(nameof(ValidVariants))]
    public void Read_ValidVariant_ReturnsDocument(string scenario, string body)
    {
        // Arrange
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.True(result.Errors.Count == 0, scenario + ": " + string.Join("; ", result.Errors.Keys));
        Assert.NotNull(result.Document);
    }

    [Theory]
    [InlineData("\"Nova Thread Studio\"", "Nova Thread Studio")]
    [InlineData("\"  Nova  \"", "Nova")]
    [InlineData("null", null)]
    public void Read_DisplayName_IsKeptTrimmedOrAbsent(string value, string? expected)
    {
        // Arrange
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, "{\"displayName\": " + value + ", \"products\": [" + Product() + "]}");

        // Assert
        Assert.Empty(result.Errors);
        Assert.Equal(expected, result.Document!.DisplayName);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("\"two\\nlines\"")]
    [InlineData("42")]
    public void Read_BadDisplayName_IsReportedAtItsPath(string value)
    {
        // Arrange
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, "{\"displayName\": " + value + ", \"products\": [" + Product() + "]}");

        // Assert
        Assert.Null(result.Document);
        Assert.Equal(["displayName"], result.Errors.Keys);
    }

    [Fact]
    public void Read_DisplayNameOverTheLimit_IsReported()
    {
        // Arrange
        var reader = new CatalogDocumentReader(new CatalogOptions());
        var name = new string('n', CatalogDocumentReader.MaxDisplayNameLength + 1);

        // Act
        var result = Read(reader, "{\"displayName\": \"" + name + "\", \"products\": []}");

        // Assert
        Assert.Equal(["displayName"], result.Errors.Keys);
    }

    [Fact]
    public void Canonicalize_WithoutDisplayName_SameBytesAsBeforeTheField()
    {
        // Arrange: a catalog pushed before displayName existed keeps its hash (no spurious revision).
        var reader = new CatalogDocumentReader(new CatalogOptions());
        var document = Read(reader, """{"products": []}""").Document!;

        // Act
        var (json, _) = CatalogPayload.Canonicalize(document);

        // Assert
        Assert.Equal("""{"products":[]}""", json);
    }

    [Fact]
    public void Read_OptionalFieldsAbsent_DefaultsToEmpty()
    {
        // Arrange
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, Catalog(Product(description: Omit, imageUrl: "null", attributes: Omit)));

        // Assert
        var product = Assert.Single(result.Document!.Products);
        Assert.Equal("", product.Description);
        Assert.Equal("", product.ImageUrl);
        Assert.Empty(product.Attributes);
    }

    [Fact]
    public void Read_SeveralProductsWithErrors_ReportsEveryErrorAtOnce()
    {
        // Arrange
        var body = Catalog(
            Product(title: "\"\""),
            Product(id: "\"p2\"", price: Price("-1", "\"USD\""), skus: "[" + Sku("p2-m", "M") + "]"),
            Product(id: "\"p3\"", imageUrl: "\"javascript:alert(1)\"", skus: "[" + Sku("p3-m", "M") + "]", extra: "\"stock\": 3"),
            Product(id: "\"p4\"", attributes: """{"size": 1}""", skus: """[{"id": "p4-m", "label": "M", "qty": 1}]"""));
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.Null(result.Document);
        Assert.Equal(
            ["products[0].title", "products[1].price.amountMinor", "products[2].imageUrl", "products[2].stock", "products[3].attributes.size", "products[3].skus[0].qty"],
            result.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_DuplicateProductIds_NamesEveryRepeatAndTheFirst()
    {
        // Arrange
        var body = Catalog(
            Product(skus: "[" + Sku("a", "M") + "]"),
            Product(id: "\"p2\"", skus: "[" + Sku("b", "M") + "]"),
            Product(skus: "[" + Sku("c", "M") + "]"),
            Product(skus: "[" + Sku("d", "M") + "]"));
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.Equal(["products[2].id", "products[3].id"], result.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("products[0]", Assert.Single(result.Errors["products[2].id"]), StringComparison.Ordinal);
        Assert.Contains("products[0]", Assert.Single(result.Errors["products[3].id"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateIdOfAnInvalidProduct_IsStillReported()
    {
        // Arrange: products[0] is bad for another reason; its id still makes products[1]'s a repeat.
        var body = Catalog(
            Product(price: Price("-1", "\"EUR\"")),
            Product(skus: "[" + Sku("p1-l", "L") + "]"));
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.Equal(["products[0].price.amountMinor", "products[1].id"], result.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_SkuIdDuplicatedAcrossProducts_NamesTheFirstOccurrence()
    {
        // Arrange: SKU ids are units of inventory, unique in the whole catalog.
        var body = Catalog(
            Product(skus: "[" + Sku("shared", "M") + "]"),
            Product(id: "\"p2\"", skus: "[" + Sku("p2-m", "M") + ", " + Sku("shared", "L") + "]"));
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        var message = Assert.Single(Assert.Single(result.Errors, static e => e.Key == "products[1].skus[1].id").Value);
        Assert.Contains("products[0].skus[0].id", message, StringComparison.Ordinal);
        Assert.Single(result.Errors);
    }

    [Fact]
    public void Read_SkuIdRepeatedWhereTheSkuIsOtherwiseInvalid_IsStillReported()
    {
        // Arrange: the second SKU has an empty label and repeats the first one's id: two errors.
        var body = Catalog(Product(skus: "[" + Sku("p1-m", "M") + ", " + Sku("p1-m", "") + "]"));
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.Equal(["products[0].skus[1].id", "products[0].skus[1].label"], result.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_DuplicatePropertyNamesAtEveryLevel_ReportsEach()
    {
        // Arrange
        var body = """
            {"products": [{"id": "p1", "id": "p1", "title": "T", "description": "", "imageUrl": null,
              "price": {"amountMinor": 1, "amountMinor": 1, "currency": "EUR"},
              "attributes": {"color": "black", "color": "black"},
              "skus": [{"id": "p1-m", "label": "M", "label": "M"}]}],
             "products": []}
            """;
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.Null(result.Document);
        Assert.Equal(
            ["products", "products[0].attributes.color", "products[0].id", "products[0].price.amountMinor", "products[0].skus[0].label"],
            result.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_UnknownFieldsAtEveryLevel_ReportsEach()
    {
        // Arrange
        var body = """
            {"version": 2, "products": [{"id": "p1", "title": "T", "price": {"amountMinor": 1, "currency": "EUR", "vat": 20},
              "skus": [{"id": "p1-m", "label": "M", "stock": 4}], "Title": "case matters"}]}
            """;
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.Equal(
            ["products[0].Title", "products[0].price.vat", "products[0].skus[0].stock", "version"],
            result.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(result.Errors.Values, static messages => Assert.Equal(["is not a known field"], messages));
    }

    [Theory]
    [InlineData("title", "products[0].title")]
    [InlineData("description", "products[0].description")]
    [InlineData("imageUrl", "products[0].imageUrl")]
    [InlineData("label", "products[0].skus[0].label")]
    [InlineData("attribute", "products[0].attributes.color")]
    [InlineData("currency", "products[0].price.currency")]
    public void Read_LoneSurrogateInAValue_ReportsInvalidUnicode(string field, string expectedKey)
    {
        // Arrange: "\ud800" is valid JSON but not valid text.
        const string bad = "\"x\\ud800\"";
        var body = field switch
        {
            "title" => Catalog(Product(title: bad)),
            "description" => Catalog(Product(description: bad)),
            "imageUrl" => Catalog(Product(imageUrl: bad)),
            "label" => Catalog(Product(skus: "[{\"id\": \"p1-m\", \"label\": " + bad + "}]")),
            "attribute" => Catalog(Product(attributes: "{\"color\": " + bad + "}")),
            _ => Catalog(Product(price: Price("1", bad))),
        };
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal(expectedKey, error.Key);
        Assert.Equal(["is not valid Unicode text"], error.Value);
    }

    [Theory]
    [InlineData("""{"products": [], "\ud800": 1}""", "$")]
    [InlineData("""{"products": [{"id": "p1", "title": "T", "price": {"amountMinor": 1, "currency": "EUR"}, "skus": [{"id": "s", "label": "M"}], "\udc00x": 1}]}""", "products[0]")]
    [InlineData("""{"products": [{"id": "p1", "title": "T", "price": {"amountMinor": 1, "currency": "EUR", "\ud800": 1}, "skus": [{"id": "s", "label": "M"}]}]}""", "products[0].price")]
    [InlineData("""{"products": [{"id": "p1", "title": "T", "price": {"amountMinor": 1, "currency": "EUR"}, "skus": [{"id": "s", "label": "M", "\ud800": 1}]}]}""", "products[0].skus[0]")]
    [InlineData("""{"products": [{"id": "p1", "title": "T", "price": {"amountMinor": 1, "currency": "EUR"}, "attributes": {"\ud800": "x"}, "skus": [{"id": "s", "label": "M"}]}]}""", "products[0].attributes")]
    public void Read_LoneSurrogateInAPropertyName_ReportsErrorInsteadOfThrowing(string body, string expectedKey)
    {
        // Arrange: System.Text.Json throws InvalidOperationException when such a name is read.
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.Null(result.Document);
        Assert.Equal(expectedKey, Assert.Single(result.Errors).Key);
    }

    [Fact]
    public void Read_InvalidUtf8InNamesAndValues_ReportsErrorsInsteadOfThrowing()
    {
        // Arrange: the parser accepts malformed UTF-8 inside strings; reading them throws.
        var body = new List<byte>(Encoding.UTF8.GetBytes("{\"products\": [{\"id\": \"p1\", \"title\": \"T"));
        body.AddRange([0xC3, 0x28]);
        body.AddRange(Encoding.UTF8.GetBytes("\", \"price\": {\"amountMinor\": 1, \"currency\": \"EUR\"}, \"skus\": [{\"id\": \"s\", \"label\": \"M\"}], \""));
        body.AddRange([0xFF]);
        body.AddRange(Encoding.UTF8.GetBytes("\": 1}]}"));
        using var json = JsonDocument.Parse(body.ToArray());
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = reader.Read(json.RootElement);

        // Assert
        Assert.Equal(["products[0]", "products[0].title"], result.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("EUR", 10_000_000, true)]
    [InlineData("EUR", 10_000_001, false)]
    [InlineData("JPY", 100_000, true)]
    [InlineData("JPY", 100_001, false)]
    [InlineData("KWD", 100_000_000, true)]
    [InlineData("KWD", 100_000_001, false)]
    [InlineData("BHD", 100_000_001, false)]
    [InlineData("CLP", 100_001, false)]
    public void Read_PriceAtTheCurrencyMaximum_DependsOnItsMinorUnits(string currency, long amountMinor, bool accepted)
    {
        // Arrange: the limit is in major units (100,000), so in minor units it scales with 10^minor.
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, Catalog(Product(price: Price(amountMinor.ToString(), Quote(currency)))));

        // Assert
        if (accepted)
        {
            Assert.Empty(result.Errors);
            Assert.Equal(new MoneyDocument(amountMinor, currency), Assert.Single(result.Document!.Products).Price);
        }
        else
        {
            Assert.Equal("products[0].price.amountMinor", Assert.Single(result.Errors).Key);
        }
    }

    public static TheoryData<string, string, string> LimitCases => new()
    {
        // scenario, catalog breaking one small custom limit (see SmallOptions), expected key
        { "MaxProducts", Catalog(Small(), Small(id: "\"p2\"", skus: "[" + Sku("p2-m", "M") + "]"), Small(id: "\"p3\"", skus: "[" + Sku("p3-m", "M") + "]")), "products" },
        { "MaxSkusPerProduct", Catalog(Small(skus: "[" + Sku("a", "M") + ", " + Sku("b", "M") + ", " + Sku("c", "M") + "]")), "products[0].skus" },
        { "MaxTitleLength", Catalog(Small(title: "\"abcdef\"")), "products[0].title" },
        { "MaxDescriptionLength", Catalog(Small(description: "\"abcdefghijk\"")), "products[0].description" },
        { "MaxImageUrlLength", Catalog(Small(imageUrl: "\"https://a.example/abc.png\"")), "products[0].imageUrl" },
        { "MaxSkuLabelLength", Catalog(Small(skus: "[" + Sku("a", "MEDIUM") + "]")), "products[0].skus[0].label" },
        { "MaxAttributes", Catalog(Small(attributes: """{"a": "1", "b": "2", "c": "3"}""")), "products[0].attributes" },
        { "MaxAttributeNameLength", Catalog(Small(attributes: """{"colour": "1"}""")), "products[0].attributes.colour" },
        { "MaxAttributeValueLength", Catalog(Small(attributes: """{"a": "123456"}""")), "products[0].attributes.a" },
        { "MaxPriceMajorUnits", Catalog(Small(price: Price("1001", "\"EUR\""))), "products[0].price.amountMinor" },
    };

    [Theory]
    [MemberData(nameof(LimitCases))]
    public void Read_OverACustomLimit_ReportsThatField(string scenario, string body, string expectedKey)
    {
        // Arrange
        var reader = new CatalogDocumentReader(SmallOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.True(result.Document is null, scenario);
        Assert.Equal(expectedKey, Assert.Single(result.Errors).Key);
    }

    [Fact]
    public void Read_ExactlyAtEverySmallLimit_IsAccepted()
    {
        // Arrange
        var body = Catalog(
            Small(title: "\"abcde\"", description: "\"abcdefghij\"", imageUrl: "\"https://a.example/a.png\"",
                price: Price("1000", "\"EUR\""), attributes: """{"color": "12345", "size": "1"}""",
                skus: "[" + Sku("a", "SMALL") + ", " + Sku("b", "LARGE") + "]"),
            Small(id: "\"p2\"", skus: "[" + Sku("c", "M") + "]"));
        var reader = new CatalogDocumentReader(SmallOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Document!.Products.Count);
    }

    [Fact]
    public void Read_MoreErrorsThanTheCap_ListsTheCapAndSummarizesTheRest()
    {
        // Arrange: 150 products, each with exactly one bad field.
        var body = Catalog([.. Enumerable.Range(0, 150).Select(static i => Product(id: $"\"bad id {i}\"", skus: "[" + Sku($"s{i}", "M") + "]"))]);
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        Assert.Equal(CatalogDocumentReader.MaxReportedErrors + 1, result.Errors.Count);
        Assert.Equal("products[0].id", result.Errors.Keys.First(static k => k != "$"));
        Assert.Contains("50 more errors", Assert.Single(result.Errors["$"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OnePathRepeatedThousandsOfTimes_ErrorListStaysCapped()
    {
        // Arrange: the same unknown field 5,000 times reports under one key; the answer must stay small anyway.
        var body = "{\"products\": []" + string.Concat(Enumerable.Repeat(", \"x\": 0", 5_000)) + "}";
        var reader = new CatalogDocumentReader(new CatalogOptions());

        // Act
        var result = Read(reader, body);

        // Assert
        var listed = result.Errors.Values.Sum(static messages => messages.Length);
        Assert.True(listed <= CatalogDocumentReader.MaxReportedErrors + 1, $"{listed} messages listed");
        Assert.Contains(result.Errors["$"], static message => message.Contains("more errors", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://cdn.example.com/p1.png", true)]
    [InlineData("https://cdn.example.com:8443/a/b.png?v=2#x", true)]
    [InlineData("HTTPS://CDN.EXAMPLE.COM/p1.png", true)]
    [InlineData("/images/demo/x.svg", true)]
    [InlineData("/a", true)]
    [InlineData("http://cdn.example.com/p1.png", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("data:image/svg+xml;base64,PHN2Zz4=", false)]
    [InlineData("//cdn.example.com/p1.png", false)]
    [InlineData("/\\cdn.example.com/p1.png", false)]
    [InlineData("ftp://cdn.example.com/p1.png", false)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("https://user:pw@cdn.example.com/p1.png", false)]
    [InlineData("https://user@cdn.example.com/p1.png", false)]
    [InlineData("https://", false)]
    [InlineData("https:///p1.png", false)]
    [InlineData("/", false)]
    [InlineData("", false)]
    [InlineData("images/p1.png", false)]
    [InlineData("/images/a b.png", false)]
    [InlineData("/images/\"onerror=\"x.png", false)]
    [InlineData("/images/<script>.png", false)]
    public void IsAcceptableImageUrl_Value_AcceptsOnlyHttpsOrALocalPath(string value, bool expected)
    {
        // Arrange, Act
        var accepted = CatalogDocumentReader.IsAcceptableImageUrl(value);

        // Assert
        Assert.Equal(expected, accepted);
    }

    /// <summary>A product that fits <see cref="SmallOptions"/>, so a limit case breaks only the limit it names.</summary>
    private static string Small(
        string id = "\"p1\"",
        string title = "\"T\"",
        string description = "\"D\"",
        string imageUrl = "\"/a.png\"",
        string price = """{"amountMinor": 100, "currency": "EUR"}""",
        string attributes = "{}",
        string skus = """[{"id": "p1-m", "label": "M"}]""")
        => Product(id, title, description, imageUrl, price, attributes, skus);

    private static CatalogOptions SmallOptions() => new()
    {
        MaxProducts = 2,
        MaxSkusPerProduct = 2,
        MaxTitleLength = 5,
        MaxDescriptionLength = 10,
        MaxImageUrlLength = 24,
        MaxSkuLabelLength = 5,
        MaxAttributes = 2,
        MaxAttributeNameLength = 5,
        MaxAttributeValueLength = 5,
        MaxPriceMajorUnits = 10,
    };

    private static CatalogReadResult Read(CatalogDocumentReader reader, string body)
    {
        using var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = CatalogDocumentReader.DocumentOptions.MaxDepth });
        return reader.Read(json.RootElement);
    }
}
