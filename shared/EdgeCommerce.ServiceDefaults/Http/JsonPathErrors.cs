using System.Globalization;
using System.Text.Json;

namespace EdgeCommerce.ServiceDefaults.Http;

/// <summary>
/// The errors of a JSON body reader, keyed by JSON path (<c>products[2].price.currency</c>), for
/// one RFC 9457 answer that names every bad field. Messages past <paramref name="maxReported"/>
/// are counted, not listed, so a huge bad body cannot produce a huge answer.
/// </summary>
public sealed class JsonPathErrors(int maxReported = JsonPathErrors.DefaultMaxReported)
{
    public const int DefaultMaxReported = 100;

    /// <summary>For a property name that is not valid Unicode text (an escaped lone surrogate).</summary>
    public const string InvalidNameMessage = "has a property name that is not valid Unicode text";

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
    private int _dropped;

    /// <summary>Every error added, listed or not.</summary>
    public int Count { get; private set; }

    public void Add(string path, string message)
    {
        Count++;
        // Cap messages, not keys: one path repeated thousands of times (a duplicated unknown field) must not grow the answer either.
        if (Count > maxReported)
        {
            _dropped++;
            return;
        }

        if (!_errors.TryGetValue(path, out var messages))
        {
            _errors[path] = messages = [];
        }

        messages.Add(message);
    }

    /// <summary>The errors as problem-details <c>errors</c>; a summary under <c>$</c> says how many were left out.</summary>
    public Dictionary<string, string[]> ToDictionary()
    {
        var errors = _errors.ToDictionary(static pair => pair.Key, static pair => pair.Value.ToArray(), StringComparer.Ordinal);
        if (_dropped > 0)
        {
            errors["$"] = [.. errors.GetValueOrDefault("$", []), string.Create(CultureInfo.InvariantCulture, $"{_dropped} more errors were not listed")];
        }

        return errors;
    }

    /// <summary>
    /// An object's properties by name, reporting unknown and repeated names and names that are not
    /// Unicode text. <paramref name="prefix"/> is the object's path with its trailing dot ("" at the root).
    /// </summary>
    public Dictionary<string, JsonElement> Fields(JsonElement element, string prefix, string[] allowed)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!TryGetName(property, out var name))
            {
                Add(prefix.Length == 0 ? "$" : prefix[..^1], InvalidNameMessage);
            }
            else if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                Add(prefix + name, "is not a known field");
            }
            else if (!fields.TryAdd(name, property.Value))
            {
                Add(prefix + name, "appears more than once");
            }
        }

        return fields;
    }

    /// <summary>The string at <paramref name="path"/>, or an error when it is not a string or not Unicode text.</summary>
    public bool TryGetString(JsonElement element, string path, out string value)
    {
        value = "";
        if (element.ValueKind != JsonValueKind.String)
        {
            Add(path, "must be a string");
            return false;
        }

        try
        {
            value = element.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            // Escaped lone surrogates ("\ud800") are valid JSON but not valid text.
            Add(path, "is not valid Unicode text");
            return false;
        }
    }

    /// <summary>Like <see cref="TryGetString"/> for names: a lone surrogate or bad UTF-8 in a name makes <c>Name</c> throw.</summary>
    public static bool TryGetName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }
}
