using EdgeCommerce.Hosting.Processes;

namespace EdgeCommerce.Tests.Common;

/// <summary>Starts a service process the way the tests run them: output captured for failure messages, the Development environment unless told otherwise.</summary>
public static class TestServices
{
    public static ServiceProcess Start(string name, string assemblyPath, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal) { ["ASPNETCORE_ENVIRONMENT"] = "Development" };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        return ServiceProcess.Start(new ServiceStartInfo(name, assemblyPath, [.. arguments]) { Environment = variables, WorkingDirectory = workingDirectory });
    }
}
