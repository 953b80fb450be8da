namespace EdgeCommerce.Cli.Services;

/// <summary>How to start one service: <c>dotnet AssemblyPath Arguments</c> in the assembly's directory.</summary>
/// <param name="Name">The service's name in output and log file names: <c>origin</c>, <c>edge-1</c>.</param>
/// <param name="AssemblyPath">The service's main assembly.</param>
/// <param name="Arguments">Every setting, as ASP.NET Core configuration arguments with absolute paths.</param>
/// <param name="ReadyUrl">Answers 200 once the service is ready.</param>
/// <param name="DataDirectory">The absolute directory the service keeps its data in; created before it starts.</param>
internal sealed record ServiceDefinition(string Name, string AssemblyPath, IReadOnlyList<string> Arguments, Uri ReadyUrl, string DataDirectory)
{
    /// <summary>The child's working directory: the assembly's, which is the content root its appsettings.json is read from.</summary>
    public string WorkingDirectory => Path.GetDirectoryName(AssemblyPath)!;
}
