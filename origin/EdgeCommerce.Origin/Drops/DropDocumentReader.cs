using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Contracts;
using EdgeCommerce.ServiceDefaults.Http;

namespace EdgeCommerce.Origin.Drops;

/// <summary>
/// Reads a drop body by hand, like the catalog reader, so one answer names every bad field by its
/// JSON path (<c>allocations[1].units</c>), unknown and duplicate members included.
/// </summary>
internal static class DropDocumentReader
{
    public const int MaxTitleLength = 200;
    public const int MaxAllocations = 100;
    public const int MaxUnits = 1_000_000;
    public const int MaxPerViewerLimit = 100;
    public const int MaxEarlyAccessMinutes = 7 * 24 * 60;

    private static readonly DateTimeOffset s_minTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_maxTime = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 8, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false };

    private static readonly string[] s_rootFields = ["title", "startsAt", "endsAt", "earlyAccess", "perViewerLimit", "allocations"];
    private static readonly string[] s_earlyFields = ["minutes", "audience"];
    private static readonly string[] s_allocationFields = ["skuId", "units"];

    /// <summary>Either the document or every error (keyed by JSON path). <paramref name="now"/> refuses a drop that already ended.</summary>
    public static (DropDocument? Document, Dictionary<string, string[]> Errors) Read(JsonElement root, DateTimeOffset now)
    {
        var errors = new JsonPathErrors();

        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "must be a JSON object");
            return (null, errors.ToDictionary());
        }

        var fields = errors.Fields(root, "", s_rootFields);
        string? title = null;
        if (!fields.TryGetValue("title", out var titleElement))
        {
            errors.Add("title", "is required");
        }
        else if (titleElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(titleElement.GetString()))
        {
            errors.Add("title", "must be a non-empty string");
        }
        else if (titleElement.GetString()!.Length > MaxTitleLength)
        {
            errors.Add("title", Invariant($"must be at most {MaxTitleLength} characters"));
        }
        else if (titleElement.GetString()!.Any(char.IsControl))
        {
            errors.Add("title", "must not contain control characters");
        }
        else
        {
            title = titleElement.GetString();
        }

        var startsAt = ReadTime(fields, "startsAt", errors);
        var endsAt = ReadTime(fields, "endsAt", errors);
        if (startsAt is { } start && endsAt is { } end)
        {
            if (end <= start)
            {
                errors.Add("endsAt", "must be after startsAt");
            }
            else if (end <= now)
            {
                errors.Add("endsAt", "must be in the future");
            }
        }

        EarlyAccessDocument? early = null;
        if (fields.TryGetValue("earlyAccess", out var earlyElement) && earlyElement.ValueKind != JsonValueKind.Null)
        {
            if (earlyElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add("earlyAccess", "must be an object with 'minutes' and 'audience'");
            }
            else
            {
                var earlyFields = errors.Fields(earlyElement, "earlyAccess.", s_earlyFields);
                var minutes = ReadInt(earlyFields, "earlyAccess.minutes", "minutes", 1, MaxEarlyAccessMinutes, errors);
                string? audience = null;
                if (!earlyFields.TryGetValue("audience", out var audienceElement))
                {
                    errors.Add("earlyAccess.audience", "is required");
                }
                else if (audienceElement.ValueKind != JsonValueKind.String || !IsAudience(audienceElement.GetString()!))
                {
                    errors.Add("earlyAccess.audience", "must be 'rsvp' or 'tier:NAME' (NAME: 1-64 characters of ASCII letters, digits, '.', '_' or '-')");
                }
                else
                {
                    audience = audienceElement.GetString();
                }

                if (minutes is { } m && audience is not null)
                {
                    early = new EarlyAccessDocument(m, audience);
                }
            }
        }

        var limit = ReadInt(fields, "perViewerLimit", "perViewerLimit", 1, MaxPerViewerLimit, errors);
        var allocations = new List<AllocationDocument>();
        if (!fields.TryGetValue("allocations", out var allocationsElement))
        {
            errors.Add("allocations", "is required");
        }
        else if (allocationsElement.ValueKind != JsonValueKind.Array || allocationsElement.GetArrayLength() is 0)
        {
            errors.Add("allocations", "must be a non-empty array");
        }
        else if (allocationsElement.GetArrayLength() > MaxAllocations)
        {
            errors.Add("allocations", Invariant($"must list at most {MaxAllocations} SKUs"));
        }
        else
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            var index = 0;
            foreach (var element in allocationsElement.EnumerateArray())
            {
                var path = Invariant($"allocations[{index}]");
                if (element.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(path, "must be an object with 'skuId' and 'units'");
                }
                else
                {
                    var allocationFields = errors.Fields(element, path + ".", s_allocationFields);
                    string? skuId = null;
                    if (!allocationFields.TryGetValue("skuId", out var skuElement))
                    {
                        errors.Add(path + ".skuId", "is required");
                    }
                    else if (skuElement.ValueKind != JsonValueKind.String || !Identifiers.IsValid(skuElement.GetString()))
                    {
                        errors.Add(path + ".skuId", Identifiers.Rule);
                    }
                    else if (seen.TryGetValue(skuElement.GetString()!, out var first))
                    {
                        errors.Add(path + ".skuId", Invariant($"duplicates allocations[{first}].skuId"));
                    }
                    else
                    {
                        skuId = skuElement.GetString()!;
                        seen[skuId] = index;
                    }

                    var units = ReadInt(allocationFields, path + ".units", "units", 1, MaxUnits, errors);
                    if (skuId is not null && units is { } u)
                    {
                        allocations.Add(new AllocationDocument(skuId, u));
                    }
                }

                index++;
            }
        }

        if (errors.Count > 0)
        {
            return (null, errors.ToDictionary());
        }

        return (new DropDocument(title!, startsAt!.Value, endsAt!.Value, early, limit!.Value, allocations), errors.ToDictionary());
    }

    private static bool IsAudience(string value)
        => value == "rsvp" || (value.StartsWith("tier:", StringComparison.Ordinal) && Identifiers.IsValid(value["tier:".Length..]));

    private static DateTimeOffset? ReadTime(Dictionary<string, JsonElement> fields, string name, JsonPathErrors errors)
    {
        if (!fields.TryGetValue(name, out var element))
        {
            errors.Add(name, "is required");
            return null;
        }

        // RFC 3339 with an explicit offset: a time without one means different instants to different admins.
        if (element.ValueKind != JsonValueKind.String
            || !DateTimeOffset.TryParseExact(element.GetString(), ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            || !(element.GetString()!.EndsWith('Z') || element.GetString()!.Contains('+', StringComparison.Ordinal) || element.GetString()!.LastIndexOf('-') > 9))
        {
            errors.Add(name, "must be an RFC 3339 time with an offset, like 2026-12-01T20:00:00Z");
            return null;
        }

        // Early access reaches back from startsAt and edges do arithmetic on both times: keep them
        // far from the ends of what a DateTimeOffset can hold.
        if (value < s_minTime || value > s_maxTime)
        {
            errors.Add(name, "must be between 2000-01-01T00:00:00Z and 9999-01-01T00:00:00Z");
            return null;
        }

        return value.ToUniversalTime();
    }

    private static int? ReadInt(Dictionary<string, JsonElement> fields, string path, string name, int min, int max, JsonPathErrors errors)
    {
        if (!fields.TryGetValue(name, out var element))
        {
            errors.Add(path, "is required");
            return null;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var value) || value < min || value > max)
        {
            errors.Add(path, Invariant($"must be a whole number from {min} to {max}"));
            return null;
        }

        return value;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
