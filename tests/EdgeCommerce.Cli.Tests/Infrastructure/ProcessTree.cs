using System.Globalization;

namespace EdgeCommerce.Cli.Tests.Infrastructure;

/// <summary>Child processes seen through /proc (Linux), to prove a parent left none behind.</summary>
public static class ProcessTree
{
    /// <summary>The ids of the live processes whose parent is <paramref name="parentId"/>.</summary>
    public static IReadOnlyList<int> ChildrenOf(int parentId)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && TryReadStat(id, out var parent, out var state) && parent == parentId && state != 'Z')
            {
                children.Add(id);
            }
        }

        return children;
    }

    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool IsAlive(int processId) => TryReadStat(processId, out _, out var state) && state != 'Z';

    private static bool TryReadStat(int processId, out int parentId, out char state)
    {
        parentId = 0;
        state = '?';
        try
        {
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            state = fields[0][0];
            parentId = int.Parse(fields[1], CultureInfo.InvariantCulture);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
