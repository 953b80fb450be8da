using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Contracts;
using EdgeCommerce.ServiceDefaults.Http;

namespace EdgeCommerce.Origin.CatalogAdmin;

/// <summary>
/// Turns a parsed JSON body into a <see cref="CatalogDocument"/>, or into every error it has, keyed
/// by JSON path (<c>products[0].price.amountMinor</c>). Walking the tree by hand, rather than
/// binding, is what lets one response name every bad field, including unknown and duplicate ones.
/// </summary>
internal sealed class CatalogDocumentReader(CatalogOptions options)
{
    /// <summary>Errors past this many are summarized, so a huge bad catalog cannot produce a huge answer.</summary>
    public const int MaxReportedErrors = 100;

    /// <summary>How the body is parsed: strict JSON, bounded depth.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = 16,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    private static readonly string[] s_rootFields = ["products", "displayName"];

    /// <summary>The longest display name: a heading on a phone.</summary>
    public const int MaxDisplayNameLength = 80;
    private static readonly string[] s_productFields = ["id", "title", "description", "imageUrl", "price", "attributes", "skus"];
    private static readonly string[] s_priceFields = ["amountMinor", "currency"];
    private static readonly string[] s_skuFields = ["id", "label", "unitCostMinor"];

    public CatalogReadResult Read(JsonElement root)
    {
        var errors = new JsonPathErrors(MaxReportedErrors);
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "must be a JSON object with a 'products' array");
            return new CatalogReadResult(null, errors.ToDictionary());
        }

        var fields = errors.Fields(root, "", s_rootFields);
        if (!fields.TryGetValue("products", out var productsElement))
        {
            errors.Add("products", "is required");
            return new CatalogReadResult(null, errors.ToDictionary());
        }

        if (productsElement.ValueKind != JsonValueKind.Array)
        {
            errors.Add("products", "must be an array");
            return new CatalogReadResult(null, errors.ToDictionary());
        }

        var count = productsElement.GetArrayLength();
        if (count > options.MaxProducts)
        {
            errors.Add("products", Invariant($"has {count} products; at most {options.MaxProducts} are allowed"));
            return new CatalogReadResult(null, errors.ToDictionary());
        }

        var products = new List<ProductDocument>(count);
        var productIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var skuIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var element in productsElement.EnumerateArray())
        {
            var path = Invariant($"products[{index}]");
            var product = ReadProduct(element, path, errors, skuIds, out var id);

            // Checked even when the product has other errors, so one answer names every repeat.
            if (id is not null)
            {
                if (productIds.TryGetValue(id, out var first))
                {
                    errors.Add(path + ".id", Invariant($"duplicates the id of products[{first}]"));
                }
                else
                {
                    productIds.Add(id, index);
                }
            }

            if (product is not null)
            {
                products.Add(product);
            }

            index++;
        }

        var displayName = ReadDisplayName(fields, errors);
        return new CatalogReadResult(errors.Count == 0 ? new CatalogDocument(products, displayName) : null, errors.ToDictionary());
    }

    private ProductDocument? ReadProduct(JsonElement element, string path, JsonPathErrors errors, Dictionary<string, string> skuIds, out string? id)
    {
        id = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(path, "must be an object");
            return null;
        }

        var before = errors.Count;
        var fields = errors.Fields(element, path + ".", s_productFields);
        id = ReadId(fields, "id", path, errors);
        var title = ReadText(fields, "title", path, required: true, options.MaxTitleLength, singleLine: true, errors);
        var description = ReadText(fields, "description", path, required: false, options.MaxDescriptionLength, singleLine: false, errors);
        var imageUrl = ReadImageUrl(fields, path, errors);
        var price = ReadPrice(fields, path, errors);
        var attributes = ReadAttributes(fields, path, errors);
        var skus = ReadSkus(fields, path, errors, skuIds, price);

        return errors.Count == before
            ? new ProductDocument(id!, title!, description ?? "", imageUrl ?? "", price!, attributes!, skus!)
            : null;
    }

    /// <summary>Optional; when present a single line of 1 to <see cref="MaxDisplayNameLength"/> characters, trimmed.</summary>
    private static string? ReadDisplayName(Dictionary<string, JsonElement> fields, JsonPathErrors errors)
    {
        if (!fields.TryGetValue("displayName", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var value = ReadText(fields, "displayName", "", required: true, MaxDisplayNameLength, singleLine: true, errors);
        return value?.Trim();
    }

    private static string? ReadId(Dictionary<string, JsonElement> fields, string name, string path, JsonPathErrors errors)
    {
        var fieldPath = path + "." + name;
        if (!fields.TryGetValue(name, out var element))
        {
            errors.Add(fieldPath, "is required");
            return null;
        }

        if (!errors.TryGetString(element, fieldPath, out var value))
        {
            return null;
        }

        if (!Identifiers.IsValid(value))
        {
            errors.Add(fieldPath, Identifiers.Rule);
            return null;
        }

        return value;
    }

    private static string? ReadText(Dictionary<string, JsonElement> fields, string name, string path, bool required, int maxLength, bool singleLine, JsonPathErrors errors)
    {
        var fieldPath = path.Length == 0 ? name : path + "." + name;
        if (!fields.TryGetValue(name, out var element) || (!required && element.ValueKind == JsonValueKind.Null))
        {
            if (required)
            {
                errors.Add(fieldPath, "is required");
            }

            return null;
        }

        if (!errors.TryGetString(element, fieldPath, out var value))
        {
            return null;
        }

        if (required && string.IsNullOrWhiteSpace(value))
        {
            errors.Add(fieldPath, "must not be empty");
            return null;
        }

        if (value.Length > maxLength)
        {
            errors.Add(fieldPath, Invariant($"is {value.Length} characters long; at most {maxLength} are allowed"));
            return null;
        }

        foreach (var c in value)
        {
            // Control characters break rendering and logs; descriptions may keep line breaks and tabs.
            if (char.IsControl(c) && (singleLine || c is not ('\n' or '\r' or '\t')))
            {
                errors.Add(fieldPath, "must not contain control characters");
                return null;
            }
        }

        return value;
    }

    private string? ReadImageUrl(Dictionary<string, JsonElement> fields, string path, JsonPathErrors errors)
    {
        var fieldPath = path + ".imageUrl";
        if (!fields.TryGetValue("imageUrl", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (!errors.TryGetString(element, fieldPath, out var value))
        {
            return null;
        }

        if (value.Length > options.MaxImageUrlLength)
        {
            errors.Add(fieldPath, Invariant($"is {value.Length} characters long; at most {options.MaxImageUrlLength} are allowed"));
            return null;
        }

        if (!IsAcceptableImageUrl(value))
        {
            errors.Add(fieldPath, "must be an absolute https URL, or a path on this stack starting with '/'");
            return null;
        }

        return value;
    }

    /// <summary>Absolute https, or a root-relative path served by the stack itself (the demo's generated images).</summary>
    internal static bool IsAcceptableImageUrl(string value)
    {
        if (value.StartsWith('/'))
        {
            // "//host/x" is protocol-relative, i.e. another host: not a local path.
            return value.Length > 1 && value[1] != '/' && value[1] != '\\'
                && value.All(static c => c > ' ' && c < 0x7F && c is not ('\\' or '"' or '<' or '>'))
                && Uri.TryCreate(value, UriKind.Relative, out _);
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri)
            && uri.Scheme == Uri.UriSchemeHttps
            && !string.IsNullOrEmpty(uri.Host)
            && string.IsNullOrEmpty(uri.UserInfo);
    }

    private MoneyDocument? ReadPrice(Dictionary<string, JsonElement> fields, string path, JsonPathErrors errors)
    {
        var fieldPath = path + ".price";
        if (!fields.TryGetValue("price", out var element))
        {
            errors.Add(fieldPath, "is required");
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(fieldPath, "must be an object with 'amountMinor' and 'currency'");
            return null;
        }

        var priceFields = errors.Fields(element, fieldPath + ".", s_priceFields);
        string? currency = null;
        var minorUnits = 0;
        if (!priceFields.TryGetValue("currency", out var currencyElement))
        {
            errors.Add(fieldPath + ".currency", "is required");
        }
        else if (errors.TryGetString(currencyElement, fieldPath + ".currency", out var code))
        {
            if (Iso4217.TryGetMinorUnits(code, out minorUnits))
            {
                currency = code;
            }
            else
            {
                errors.Add(fieldPath + ".currency", "must be an active ISO 4217 currency code in upper case, such as EUR or USD");
            }
        }

        long? amount = null;
        var amountPath = fieldPath + ".amountMinor";
        if (!priceFields.TryGetValue("amountMinor", out var amountElement))
        {
            errors.Add(amountPath, "is required");
        }
        else
        {
            amount = ReadMinorUnits(amountElement, amountPath, currency, minorUnits, errors);
        }

        return amount is { } value && currency is not null ? new MoneyDocument(value, currency) : null;
    }

    /// <summary>
    /// An amount in minor units of <paramref name="currency"/> (a price, or a SKU's unit cost, which
    /// is in its product's currency): a whole, non-negative number up to the price maximum. Null
    /// when invalid, or when the currency is unknown (its own error names that).
    /// </summary>
    private long? ReadMinorUnits(JsonElement element, string path, string? currency, int minorUnits, JsonPathErrors errors)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var minor))
        {
            errors.Add(path, "must be a whole number of minor units (5900 for 59.00 EUR)");
            return null;
        }

        if (minor < 0)
        {
            errors.Add(path, "must not be negative");
            return null;
        }

        if (currency is null)
        {
            return null;
        }

        var max = options.MaxPriceMajorUnits * (long)Math.Pow(10, minorUnits);
        if (minor > max)
        {
            errors.Add(path, Invariant($"is above the maximum of {options.MaxPriceMajorUnits} {currency} ({max} minor units)"));
            return null;
        }

        return minor;
    }

    private SortedDictionary<string, string>? ReadAttributes(Dictionary<string, JsonElement> fields, string path, JsonPathErrors errors)
    {
        var fieldPath = path + ".attributes";
        var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!fields.TryGetValue("attributes", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return attributes;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(fieldPath, "must be an object of string values");
            return null;
        }

        var ok = true;
        foreach (var property in element.EnumerateObject())
        {
            if (!JsonPathErrors.TryGetName(property, out var name))
            {
                errors.Add(fieldPath, JsonPathErrors.InvalidNameMessage);
                ok = false;
                continue;
            }

            var attributePath = fieldPath + "." + name;
            if (name.Length == 0 || name.Length > options.MaxAttributeNameLength || name.Any(char.IsControl))
            {
                errors.Add(attributePath, Invariant($"attribute names must be 1-{options.MaxAttributeNameLength} characters without control characters"));
                ok = false;
                continue;
            }

            if (!attributes.TryAdd(name, ""))
            {
                errors.Add(attributePath, "appears more than once");
                ok = false;
                continue;
            }

            if (!errors.TryGetString(property.Value, attributePath, out var value))
            {
                ok = false;
                continue;
            }

            if (value.Length > options.MaxAttributeValueLength || value.Any(char.IsControl))
            {
                errors.Add(attributePath, Invariant($"must be at most {options.MaxAttributeValueLength} characters without control characters"));
                ok = false;
                continue;
            }

            attributes[name] = value;
        }

        if (attributes.Count > options.MaxAttributes)
        {
            errors.Add(fieldPath, Invariant($"has {attributes.Count} attributes; at most {options.MaxAttributes} are allowed"));
            ok = false;
        }

        return ok ? attributes : null;
    }

    private List<SkuDocument>? ReadSkus(Dictionary<string, JsonElement> fields, string path, JsonPathErrors errors, Dictionary<string, string> skuIds, MoneyDocument? price)
    {
        var fieldPath = path + ".skus";
        if (!fields.TryGetValue("skus", out var element))
        {
            errors.Add(fieldPath, "is required: a product needs at least one SKU");
            return null;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            errors.Add(fieldPath, "must be an array");
            return null;
        }

        var count = element.GetArrayLength();
        if (count == 0 || count > options.MaxSkusPerProduct)
        {
            errors.Add(fieldPath, Invariant($"must hold 1 to {options.MaxSkusPerProduct} SKUs; it has {count}"));
            return null;
        }

        var skus = new List<SkuDocument>(count);
        var before = errors.Count;
        var index = 0;
        foreach (var skuElement in element.EnumerateArray())
        {
            var skuPath = Invariant($"{fieldPath}[{index}]");
            index++;
            if (skuElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(skuPath, "must be an object with 'id' and 'label'");
                continue;
            }

            var skuFields = errors.Fields(skuElement, skuPath + ".", s_skuFields);
            var id = ReadId(skuFields, "id", skuPath, errors);
            var label = ReadText(skuFields, "label", skuPath, required: true, options.MaxSkuLabelLength, singleLine: true, errors);
            long? unitCost = null;
            if (skuFields.TryGetValue("unitCostMinor", out var costElement) && costElement.ValueKind != JsonValueKind.Null)
            {
                // In the product's currency; without a valid price there is nothing to check it against
                // (the price's own error is reported).
                unitCost = ReadMinorUnits(costElement, skuPath + ".unitCostMinor", price?.Currency,
                    price is not null && Iso4217.TryGetMinorUnits(price.Currency, out var minorUnits) ? minorUnits : 0, errors);
            }

            if (id is null)
            {
                continue;
            }

            // SKUs are units of inventory: an id names one SKU in the whole catalog, not per product.
            // Checked even when the label is bad, so one answer names every repeat.
            if (skuIds.TryGetValue(id, out var firstPath))
            {
                errors.Add(skuPath + ".id", "duplicates the SKU id at " + firstPath);
                continue;
            }

            skuIds.Add(id, skuPath + ".id");
            if (label is not null)
            {
                skus.Add(new SkuDocument(id, label, unitCost));
            }
        }

        return errors.Count == before ? skus : null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Either a valid document (and no errors) or every error found, keyed by JSON path.</summary>
internal sealed record CatalogReadResult(CatalogDocument? Document, IDictionary<string, string[]> Errors);
