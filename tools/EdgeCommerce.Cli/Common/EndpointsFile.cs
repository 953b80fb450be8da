using System.Text.Json;

namespace EdgeCommerce.Cli.Common;

/// <summary>Reads and writes <c>&lt;data&gt;/endpoints.json</c>.</summary>
internal static class EndpointsFile
{
    public const string FileName = "endpoints.json";

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    /// <summary>The endpoints of the stack in <paramref name="dataDirectory"/>, or null when it has none.</summary>
    /// <exception cref="CliException">The file exists but is not a valid endpoints file.</exception>
    public static StackEndpoints? Read(string dataDirectory)
    {
        var path = PathIn(dataDirectory);
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Unable to read {path}: {ex.Message}", ex);
        }

        return Parse(json, path);
    }

    internal static StackEndpoints Parse(string json, string path)
    {
        StackEndpoints? endpoints;
        try
        {
            endpoints = JsonSerializer.Deserialize(json, CliJsonContext.Default.StackEndpoints);
        }
        catch (JsonException ex)
        {
            throw new CliException($"{path} is not a valid endpoints file: {ex.Message}", ex);
        }

        if (endpoints is null || !IsHttpUrl(endpoints.Origin) || !IsHttpUrl(endpoints.OriginGrpc)
            || endpoints.Edges is null || endpoints.Edges.Any(static edge => edge is null || !IsHttpUrl(edge.Url) || string.IsNullOrEmpty(edge.Id)))
        {
            throw new CliException($"{path} is not a valid endpoints file: 'origin', 'originGrpc' and every edge's 'url' must be http URLs.");
        }

        return endpoints;
    }

    /// <summary>
    /// Writes the file atomically: a reader sees the old file or the new one, never half of one,
    /// because the new content is flushed to a temporary file in the same directory and renamed over.
    /// </summary>
    public static void Write(string dataDirectory, StackEndpoints endpoints)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = PathIn(dataDirectory);
        var temporary = path + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, endpoints, CliJsonContext.Default.StackEndpoints);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The port of a URL in the file, or null when it names none.</summary>
    public static int? PortOf(string? url)
        => Uri.TryCreate(url, UriKind.Absolute, out var uri) && !uri.IsDefaultPort ? uri.Port : null;

    private static bool IsHttpUrl(string? value)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
