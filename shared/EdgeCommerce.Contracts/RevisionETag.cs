using System.Globalization;

namespace EdgeCommerce.Contracts;

/// <summary>
/// Strong entity tags derived from a revision: <c>"r42"</c>, or <c>"r42-html"</c> for another
/// representation of the same revision. A revision names exactly one content, so the tag is
/// exact without hashing the body.
/// </summary>
public static class RevisionETag
{
    public static string Format(long revision, string? variant = null)
        => variant is null
            ? string.Create(CultureInfo.InvariantCulture, $"\"r{revision}\"")
            : string.Create(CultureInfo.InvariantCulture, $"\"r{revision}-{variant}\"");

    /// <summary>Parses a tag made by <see cref="Format"/> without a variant.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out long revision)
    {
        value = value.Trim();
        revision = 0;
        return value.Length > 3 && value[0] == '"' && value[1] == 'r' && value[^1] == '"'
            && long.TryParse(value[2..^1], NumberStyles.None, CultureInfo.InvariantCulture, out revision);
    }

    /// <summary>
    /// True when an <c>If-None-Match</c> header value lists <paramref name="etag"/> (or is <c>*</c>).
    /// Weak comparison, as RFC 9110 prescribes for If-None-Match.
    /// </summary>
    public static bool IfNoneMatchMatches(string? headerValue, string etag)
    {
        if (string.IsNullOrEmpty(headerValue))
        {
            return false;
        }

        foreach (var range in headerValue.AsSpan().Split(','))
        {
            var candidate = headerValue.AsSpan(range).Trim();
            if (candidate.StartsWith("W/", StringComparison.Ordinal))
            {
                candidate = candidate[2..];
            }

            if (candidate.SequenceEqual("*") || candidate.SequenceEqual(etag))
            {
                return true;
            }
        }

        return false;
    }
}
