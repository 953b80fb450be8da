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
    };
}
