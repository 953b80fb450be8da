using System.Text.Json;
using System.Text.Unicode;

namespace EdgeCommerce.ServiceDefaults.Http;

/// <summary>
/// Whether a JSON body that parsed is also Unicode text: every byte valid UTF-8 and every escaped
/// string and property name free of lone surrogates (<c>"\ud800"</c>).
/// </summary>
/// <remarks>
/// <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/> accepts both and
/// the first <c>GetString</c> on such a value throws <see cref="InvalidOperationException"/>
/// (a 500 in a body reader). Checking once before reading keeps every reader simple: it may call
/// <c>GetString</c> anywhere.
/// </remarks>
public static class JsonText
{
    /// <summary>Call after the body parsed (so it is one JSON value within the reader's depth).</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            return false;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    // Unescaping is the only way to find an escaped lone surrogate; bodies are small.
                    _ = reader.GetString();
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }
}
