namespace EdgeCommerce.Cli;

/// <summary>What a command may touch outside itself: its output, the clock and the environment.</summary>
internal sealed class CliContext
{
    /// <summary>Where results go. The default is the console's standard output.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Where errors and usage go. The default is the console's standard error.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>Where a verb reads an answer to its question (<c>creators delete</c>). The default has nothing to read (no answer).</summary>
    public TextReader In { get; init; } = TextReader.Null;

    /// <summary>The clock (log headers, readiness deadlines). The default is <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Reads an environment variable. The default reads the process environment.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Relative paths (<c>--data</c>, files) resolve against this. The default is the current directory.</summary>
    public string WorkingDirectory { get; init; } = Environment.CurrentDirectory;

    public static CliContext CreateDefault() => new() { Out = Console.Out, Error = Console.Error, In = Console.In };

    public string ResolvePath(string path) => Path.GetFullPath(path, WorkingDirectory);
}
