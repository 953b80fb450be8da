namespace EdgeCommerce.Contracts;

/// <summary>
/// The one rule for creator, product, SKU and edge ids, shared by origin and edge so a value the
/// origin accepts is always one the edge can route: 1-64 characters, ASCII letters and digits
/// plus <c>.</c>, <c>_</c> and <c>-</c>, starting with a letter or digit.
/// </summary>
public static class Identifiers
{
    /// <summary>Longest id, in characters. 64.</summary>
    public const int MaxLength = 64;

    /// <summary>What <see cref="IsValid"/> enforces, in words for error messages.</summary>
    public const string Rule = "must be 1-64 characters of ASCII letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || !char.IsAsciiLetterOrDigit(value[0]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
