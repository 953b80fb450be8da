namespace EdgeCommerce.Cli.Services;

/// <summary>
/// Locates the built services. <c>./edgecommerce</c> sets <c>EDGECOMMERCE_BIN</c> (artifacts/bin) and
/// <c>EDGECOMMERCE_CONFIGURATION</c>; without them the CLI looks beside itself, since every project
/// builds to <c>artifacts/bin/&lt;Project&gt;/&lt;configuration&gt;/</c>.
/// </summary>
internal sealed class ServiceBinaries(string binRoot, string configuration)
{
    public const string OriginProject = "EdgeCommerce.Origin";
    public const string EdgeProject = "EdgeCommerce.Edge";

    /// <summary>The artifacts bin folder holding one folder per project.</summary>
    public string BinRoot { get; } = binRoot;

    /// <summary>The configuration folder name, lower case as in artifacts paths ("release", "debug").</summary>
    public string Configuration { get; } = configuration.ToLowerInvariant();

    public static ServiceBinaries FromEnvironment(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // This assembly lives in <bin>/EdgeCommerce.Cli/<configuration>/.
        var ownDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var binRoot = context.GetEnvironmentVariable("EDGECOMMERCE_BIN") is { Length: > 0 } bin
            ? context.ResolvePath(bin)
            : ownDirectory.Parent?.Parent?.FullName ?? ownDirectory.FullName;
        var configuration = context.GetEnvironmentVariable("EDGECOMMERCE_CONFIGURATION") is { Length: > 0 } name
            ? name
            : ownDirectory.Name;
        return new ServiceBinaries(binRoot, configuration);
    }

    public string PathOf(string project) => Path.Combine(BinRoot, project, Configuration, project + ".dll");

    /// <summary>The main assembly of <paramref name="project"/>; fails with a hint when it is not built.</summary>
    /// <exception cref="Common.CliException">The assembly does not exist.</exception>
    public string Require(string project)
    {
        var path = PathOf(project);
        if (!File.Exists(path))
        {
            throw new Common.CliException(
                $"{project} is not built: expected {path}. Build it with `dotnet build tools/EdgeCommerce.Cli -c {Configuration}` "
                + "(./edgecommerce does this for you), or set EDGECOMMERCE_BIN and EDGECOMMERCE_CONFIGURATION.");
        }

        return path;
    }
}
