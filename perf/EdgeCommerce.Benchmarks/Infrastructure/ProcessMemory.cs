using System.Globalization;

namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>Resident memory of a process, from <c>/proc/&lt;pid&gt;/status</c>.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS in bytes, or null when the process is gone or the platform has no /proc.</summary>
    public static long? ResidentBytes(int processId)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{processId}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    // "VmRSS:	   81234 kB"
                    var kib = long.Parse(line.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                    return kib * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    public static string Mib(long? bytes) => bytes is { } b ? (b / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) : "n/a";
}
