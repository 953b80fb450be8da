using System.Globalization;
using System.Text.Json;

namespace EdgeCommerce.Cli.Common;

/// <summary>
/// Renders a failed admin answer for people: the RFC 9457 title and detail, then one line per
/// error path (<c>products[0].price.currency: must be ...</c>). Anything that is not problem
/// details is shown as status and body.
/// </summary>
internal static class ProblemReport
{
    /// <summary>Longest non-problem body echoed back, in characters. 2,000.</summary>
    private const int MaxRawBody = 2_000;

    public static string Format(AdminResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);

        var status = string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {response.ReasonPhrase ?? response.StatusCode.ToString()}");
        if (TryParse(response.Body, out var problem))
        {
            return Format(status, problem);
        }

        var body = response.Body.Length > MaxRawBody ? response.Body[..MaxRawBody] + "..." : response.Body;
        return string.IsNullOrWhiteSpace(body) ? "error: " + status : "error: " + status + Environment.NewLine + body.TrimEnd();
    }

    private static string Format(string status, JsonElement problem)
    {
        var lines = new List<string>();
        var title = GetString(problem, "title");
        lines.Add(title is null ? "error: " + status : $"error: {title} ({status})");
        if (GetString(problem, "detail") is { } detail && WithoutErrorsSentence(detail) is { Length: > 0 } shown)
        {
            lines.Add("  " + shown);
        }

        if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var error in errors.EnumerateObject())
            {
                if (error.Value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var message in error.Value.EnumerateArray())
                    {
                        lines.Add($"  {error.Name}: {(message.ValueKind == JsonValueKind.String ? message.GetString() : message.GetRawText())}");
                    }
                }
                else
                {
                    lines.Add($"  {error.Name}: {error.Value}");
                }
            }
        }

        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>
    /// The detail without the API's pointer to its <c>errors</c> member ("Every error is listed
    /// under 'errors', keyed by JSON path."): here the errors are the lines that follow.
    /// </summary>
    internal static string WithoutErrorsSentence(string detail)
    {
        const string Sentence = "Every error is listed under 'errors', keyed by JSON path.";
        return detail.Replace(Sentence, "", StringComparison.Ordinal).Trim();
    }

    private static bool TryParse(string body, out JsonElement problem)
    {
        problem = default;
        if (string.IsNullOrWhiteSpace(body))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !(document.RootElement.TryGetProperty("title", out _) || document.RootElement.TryGetProperty("errors", out _)))
            {
                return false;
            }

            problem = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? GetString(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
