namespace EdgeCommerce.Tests.Common;

/// <summary>Where the repository and its build outputs are, seen from a running test assembly.</summary>
public static class Repository
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The directory holding <c>EdgeCommerce.sln</c>.</summary>
    public static string Root => s_root.Value;

    /// <summary>The configuration the tests were built in, lower case as in artifacts paths ("debug", "release").</summary>
    public static string Configuration
        => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;

    /// <summary>The artifacts output folder: <c>artifacts/bin</c>.</summary>
    public static string BinRoot => Path.Combine(Root, "artifacts", "bin");

    /// <summary>Path of a project's main assembly in the tests' configuration, e.g. <c>EdgeCommerce.Origin</c>.</summary>
    public static string AssemblyPath(string projectName)
    {
        var path = Path.Combine(BinRoot, projectName, Configuration, projectName + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Build {projectName} in {Configuration} first; expected {path}.", path);
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeCommerce.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Unable to find EdgeCommerce.sln above " + AppContext.BaseDirectory);
    }
}
