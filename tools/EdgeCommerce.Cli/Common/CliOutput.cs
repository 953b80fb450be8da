using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EdgeCommerce.Cli.Common;

/// <summary>
/// The one output convention of every verb (as kubectl and gh do it): a table or a sentence for
/// people by default; with <c>--json</c> the API's answer itself, with the API's field names,
/// indented, nothing else on standard output. Errors go to standard error as one line (or the
/// problem's lines) with exit code 1.
/// </summary>
internal static class CliOutput
{
    /// <summary>
    /// Escapes only what JSON requires: a timestamp keeps its <c>+00:00</c> (the default encoder
    /// writes <c>\u002B</c>) and names keep their accents, so the text reads like the API's.
    /// </summary>
    private static readonly JsonWriterOptions s_writerOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>--json</c>: built fresh for each command (an option belongs to one parent).</summary>
    public static Option<bool> JsonOption() => new("--json")
    {
        Description = "Print the API's JSON answer (same field names, indented) instead of a table or sentence",
    };

    /// <summary>
    /// Prints an admin answer: problem details to standard error (exit 1); otherwise the JSON with
    /// <paramref name="json"/>, else what <paramref name="human"/> makes of it.
    /// </summary>
    public static async Task<int> WriteAnswerAsync(CliContext context, AdminResponse response, bool json, Func<JsonElement, string> human)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(human);
        if (!response.IsSuccess)
        {
            await context.Error.WriteLineAsync(ProblemReport.Format(response));
            return ExitCodes.Failed;
        }

        if (json)
        {
            await context.Out.WriteLineAsync(FormatJson(response.Body));
            return ExitCodes.Success;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(response.Body);
        }
        catch (JsonException ex)
        {
            throw new CliException($"The origin's answer is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            try
            {
                await context.Out.WriteLineAsync(human(document.RootElement).TrimEnd());
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // An answer of another shape (an origin of another version): the JSON still says it all.
                await context.Out.WriteLineAsync(FormatJson(response.Body));
            }
        }

        return ExitCodes.Success;
    }

    /// <summary>JSON text indented with <see cref="s_writerOptions"/>; anything that is not JSON is returned as is.</summary>
    public static string FormatJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            return FormatJson(document.RootElement);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    public static string FormatJson(JsonElement element)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            element.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A string member, or "-" when it is absent or null.</summary>
    public static string Text(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() ?? "-" : value.GetRawText()
            : "-";

    /// <summary>A timestamp member as people read it in a table: <c>2026-12-06 19:15:00Z</c> (UTC), or "-".</summary>
    public static string Time(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                ? time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
                : "-";

    /// <summary>A number member as written, or "-".</summary>
    public static string Number(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText() : "-";

    /// <summary>A boolean member, false when absent.</summary>
    public static bool Flag(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>The array member <paramref name="name"/>'s items, none when absent.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];
}
