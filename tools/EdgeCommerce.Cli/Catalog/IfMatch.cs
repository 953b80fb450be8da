using System.Globalization;
using EdgeCommerce.Contracts;

namespace EdgeCommerce.Cli.Catalog;

/// <summary>Accepts an ETag the way people type it: <c>"r5"</c> (as printed), <c>r5</c> or <c>5</c>.</summary>
internal static class IfMatch
{
    /// <summary>The header value (<c>"r5"</c>), or null when <paramref name="value"/> names no revision.</summary>
    public static string? Normalize(string value)
    {
        ArgumentNullException.ThrowIfNull(value);

        var text = value.Trim();
        if (RevisionETag.TryParse(text, out var revision))
        {
            return RevisionETag.Format(revision);
        }

        if (text.StartsWith('r'))
        {
            text = text[1..];
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out revision)
            ? RevisionETag.Format(revision)
            : null;
    }
}
