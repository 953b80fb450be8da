namespace EdgeCommerce.Cli.Rehearse;

/// <summary>Finds the k6 executable: <c>--k6 PATH</c>, else <c>k6</c> on <c>PATH</c>.</summary>
internal static class K6Locator
{
    /// <summary>What to say when there is none: where to get it, and that <c>--k6</c> names one.</summary>
    public const string HowToGetIt =
        "k6 (Grafana k6, v0.48 or later) is needed to rehearse a drop and was not found on PATH. Install it: "
        + "https://grafana.com/docs/k6/latest/set-up/install-k6/ (Debian/Ubuntu: Grafana's apt repository, `sudo apt-get install k6`; "
        + "macOS: `brew install k6`; or a release binary from https://github.com/grafana/k6/releases), "
        + "then run this again, or pass --k6 PATH.";

    /// <summary>The executable's full path, or null when there is none.</summary>
    public static string? Find(string? given, Func<string, string?> getEnvironmentVariable, Func<string, string> resolvePath)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        ArgumentNullException.ThrowIfNull(resolvePath);
        if (given is not null)
        {
            var path = resolvePath(given);
            return IsExecutable(path) ? path : null;
        }

        foreach (var directory in (getEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "k6");
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsExecutable(string path)
        => File.Exists(path) && (OperatingSystem.IsWindows()
            || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
