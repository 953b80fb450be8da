namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>Process environments for the services under test.</summary>
internal static class Environments
{
    /// <summary>
    /// Production, as deployed (the test helpers default to Development), with workstation GC as
    /// on the services' 2-CPU hosts (MACHINE-NOTES: it beats server GC here).
    /// </summary>
    public static IDictionary<string, string> Production { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["DOTNET_gcServer"] = "0",
        // A benchmark client may run with it on (fanout's simulated edges); the services run as deployed.
        ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "0",
    };

    /// <summary>
    /// Adds <c>--env NAME=VALUE</c> options to every service started afterwards, e.g.
    /// <c>DOTNET_PerfMapEnabled=1</c> to profile them with <c>perf</c>.
    /// </summary>
    public static void Add(IEnumerable<string> assignments)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"--env expects NAME=VALUE, got '{assignment}'.");
            }

            Production[assignment[..equals]] = assignment[(equals + 1)..];
        }
    }
}
