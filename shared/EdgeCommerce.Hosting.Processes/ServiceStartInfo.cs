namespace EdgeCommerce.Hosting.Processes;

/// <summary>How to start one service: <c>dotnet AssemblyPath Arguments</c>.</summary>
/// <param name="Name">The service's name in output, log lines and failure messages: <c>origin</c>, <c>edge-1</c>.</param>
/// <param name="AssemblyPath">The service's main assembly.</param>
/// <param name="Arguments">Its arguments (ASP.NET Core configuration as <c>--Key=Value</c>).</param>
public sealed record ServiceStartInfo(string Name, string AssemblyPath, IReadOnlyList<string> Arguments)
{
    /// <summary>Environment variables set for the child on top of the inherited ones.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>The child's working directory; the assembly's by default, the content root its appsettings.json is read from.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Appends the child's stdout and stderr to this file too (created with its folder).</summary>
    public string? LogPath { get; init; }

    /// <summary>
    /// Leaves the child on this process's console instead of capturing its output (a foreground
    /// service). A captured child gets no terminal at all: one that inherits it makes .NET switch
    /// the terminal's modes back and forth (escape sequences on screen); Ctrl-C still reaches it
    /// through the process group.
    /// </summary>
    public bool InheritConsole { get; init; }
}
