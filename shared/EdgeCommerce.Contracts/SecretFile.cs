namespace EdgeCommerce.Contracts;

/// <summary>Tokens kept on disk: written whole and owner-only from the first byte, read trimmed.</summary>
public static class SecretFile
{
    /// <summary>
    /// Writes <paramref name="secret"/> to a temporary file created with mode 0600 (never readable by
    /// others, not even for a moment), flushes it and renames it over <paramref name="path"/>, so a
    /// reader sees the old secret or the new one, never half of one.
    /// </summary>
    public static async Task WriteAsync(string path, string secret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var full = Path.GetFullPath(path);
        OwnerOnly.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            File.Delete(temporary); // UnixCreateMode applies only to a file this call creates.
        }

        await using (var stream = new FileStream(temporary, options))
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(secret), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>The secret in <paramref name="path"/> without surrounding whitespace, or null when the file does not exist or is empty.</summary>
    public static string? TryRead(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
