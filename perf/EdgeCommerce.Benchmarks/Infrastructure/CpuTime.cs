using System.Globalization;

namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>
/// CPU time from /proc: per process (all threads, including exited ones: <c>utime + stime</c> of
/// <c>/proc/&lt;pid&gt;/stat</c>) and for the whole machine (<c>/proc/stat</c>), so a run can say
/// which process spent the CPU and how much other work (other builds) took from the same cores.
/// </summary>
internal static class CpuTime
{
    // USER_HZ: 100 on every Linux x64 kernel configuration in use (sysconf(_SC_CLK_TCK)).
    private const double TickMilliseconds = 10;

    /// <summary>CPU time the process has used so far, in milliseconds; null when it is gone.</summary>
    public static double? ProcessMilliseconds(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            // The command name (field 2) may contain spaces: fields are counted after its closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
            var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (utime + stime) * TickMilliseconds;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Busy and total CPU time of the whole machine so far, in milliseconds (all CPUs added).</summary>
    public static (double Busy, double Total) MachineMilliseconds()
    {
        var line = File.ReadLines("/proc/stat").First(static l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(static v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
        var total = values.Take(8).Sum();
        var idle = values[3] + values[4];
        return ((total - idle) * TickMilliseconds, total * TickMilliseconds);
    }
}
