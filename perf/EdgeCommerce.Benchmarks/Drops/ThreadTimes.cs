using System.Globalization;
using System.Text;

namespace EdgeCommerce.Benchmarks.Drops;

/// <summary>
/// Per thread of a process, by thread name (<c>/proc/&lt;pid&gt;/task/*/comm</c>: the runtime names
/// its threads, e.g. <c>.NET TP Worker</c>, <c>.NET Tiered Com</c>), the time on a CPU and the time
/// runnable but waiting for one (<c>schedstat</c>, nanoseconds): over a burst, whether a process
/// was slow because it worked (and which of its threads), or because it waited for a core.
/// </summary>
internal sealed class ThreadTimes
{
    private readonly Dictionary<int, (string Name, long RunNs, long WaitNs)> _threads = [];

    public static ThreadTimes Of(int processId)
    {
        var times = new ThreadTimes();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{processId}/task"))
            {
                try
                {
                    var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                    var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                    times._threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] =
                        (name, long.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture));
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }
        }
        catch (IOException)
        {
        }

        return times;
    }

    /// <summary>Run and wait time since <paramref name="before"/>, total and by thread name (the busiest first).</summary>
    public string Since(ThreadTimes before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var byName = new Dictionary<string, (double Run, double Wait, int Threads)>(StringComparer.Ordinal);
        foreach (var (id, (name, run, wait)) in _threads)
        {
            var (_, run0, wait0) = before._threads.GetValueOrDefault(id, (name, 0, 0));
            var (sumRun, sumWait, count) = byName.GetValueOrDefault(name);
            if (run - run0 > 0 || wait - wait0 > 0)
            {
                byName[name] = (sumRun + ((run - run0) / 1e6), sumWait + ((wait - wait0) / 1e6), count + 1);
            }
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"threads ran {byName.Values.Sum(static v => v.Run):0.0} ms, waited for a CPU {byName.Values.Sum(static v => v.Wait):0.0} ms:");
        foreach (var (name, (run, wait, count)) in byName.OrderByDescending(static pair => pair.Value.Run).Take(6))
        {
            text.Append(CultureInfo.InvariantCulture, $" [{name}]×{count} ran {run:0.0} waited {wait:0.0};");
        }

        return text.ToString();
    }
}
