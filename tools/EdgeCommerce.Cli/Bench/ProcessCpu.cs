using System.Globalization;

namespace EdgeCommerce.Cli.Bench;

/// <summary>
/// CPU time of a process and its children (nginx's workers), from <c>/proc/&lt;pid&gt;/stat</c>
/// (utime + stime, in clock ticks of 10 ms). CPU per request is far steadier than requests per
/// second on a machine others are using: it does not depend on how much CPU the server was given.
/// </summary>
internal static class ProcessCpu
{
    private const double MillisecondsPerTick = 10;

    /// <summary>Milliseconds of CPU used so far by <paramref name="processId"/> and its direct children; null off Linux.</summary>
    public static double? Milliseconds(int processId)
    {
        if (!Directory.Exists("/proc"))
        {
            return null;
        }

        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            var stat = Read(pid);
            if (stat is { } s && (pid == processId || s.ParentId == processId))
            {
                ticks += s.Ticks;
            }
        }

        return ticks * MillisecondsPerTick;
    }

    private static (int ParentId, long Ticks)? Read(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may hold spaces: fields count from after it.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is state (field 3); ppid is field 4, utime 14, stime 15.
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (parent, ticks);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
