namespace EdgeCommerce.Contracts;

/// <summary>
/// Data directories and the files in them are their owner's alone (0700 and 0600): they hold the
/// database, tokens, key material and replicas, and a local user who can read them can mint tokens
/// or read every creator's sales. On Windows the ACLs of the parent apply and nothing is changed.
/// </summary>
public static class OwnerOnly
{
    /// <summary>0600.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>0700.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Creates <paramref name="directory"/> owner-only, or, when it exists, tightens it and
    /// everything under it (files to 0600, directories to 0700). Returns each path it had to
    /// tighten with the mode it found, so a start that repairs modes can say so.
    /// </summary>
    public static IReadOnlyList<(string Path, UnixFileMode Found)> SecureDirectory(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
            return [];
        }

        if (!Directory.Exists(full))
        {
            Directory.CreateDirectory(full, DirectoryMode);
            return [];
        }

        var tightened = new List<(string, UnixFileMode)>();
        Tighten(full, DirectoryMode, tightened);
        foreach (var entry in Directory.EnumerateFileSystemEntries(full, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            // Symbolic links are left alone: their own mode means nothing and their target may be anywhere.
            var info = new FileInfo(entry);
            if (info.LinkTarget is not null)
            {
                continue;
            }

            Tighten(entry, info.Attributes.HasFlag(FileAttributes.Directory) ? DirectoryMode : FileMode, tightened);
        }

        return tightened;
    }

    /// <summary>Tightens one existing file to 0600; returns the mode it found when it had to, else null.</summary>
    public static UnixFileMode? SecureFile(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return null;
        }

        var tightened = new List<(string, UnixFileMode)>(1);
        Tighten(path, FileMode, tightened);
        return tightened.Count == 0 ? null : tightened[0].Item2;
    }

    /// <summary>Creates <paramref name="directory"/> (and missing parents) owner-only when it does not exist; an existing one is left as it is.</summary>
    public static void CreateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, DirectoryMode);
        }
    }

    /// <summary>Options for a <see cref="FileStream"/> that creates a file owner-only from its first byte.</summary>
    public static FileStreamOptions CreateOptions(System.IO.FileMode mode = System.IO.FileMode.Create, FileAccess access = FileAccess.Write, FileOptions options = FileOptions.None, int bufferSize = 4096)
    {
        var result = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.None, Options = options, BufferSize = bufferSize };
        if (!OperatingSystem.IsWindows())
        {
            result.UnixCreateMode = FileMode;
        }

        return result;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Tighten(string path, UnixFileMode wanted, List<(string, UnixFileMode)> tightened)
    {
        var found = File.GetUnixFileMode(path);
        // Only ever removes bits: a file the owner made read-only stays read-only.
        if ((found & ~wanted) != 0)
        {
            File.SetUnixFileMode(path, found & wanted);
            tightened.Add((path, found));
        }
    }
}
