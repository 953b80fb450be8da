using System.Diagnostics;
using System.Globalization;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>What a figure was measured on: CPUs, memory, commit and how busy the machine was.</summary>
internal static class MachineInfo
{
    public static int Cpus => Environment.ProcessorCount;

    public static string CpuModel
        => ReadLines("/proc/cpuinfo").FirstOrDefault(static l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";

    public static string Memory
    {
        get
        {
            var line = ReadLines("/proc/meminfo").FirstOrDefault(static l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is null)
            {
                return "unknown";
            }

            var kib = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return (kib / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";
        }
    }

    /// <summary>1, 5 and 15 minute load averages, as <c>uptime</c> prints them.</summary>
    public static string LoadAverage
        => File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>The 1-minute load average alone.</summary>
    public static double Load1
        => File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : double.NaN;

    /// <summary><c>git rev-parse --short HEAD</c>, with <c>+dirty</c> when the work tree has uncommitted changes.</summary>
    public static string Commit
    {
        get
        {
            var head = Git("rev-parse --short HEAD") ?? "unknown";
            var status = Git("status --porcelain --untracked-files=no");
            return string.IsNullOrWhiteSpace(status) ? head : head + "+dirty";
        }
    }

    public static string Describe()
        => $"{Cpus} CPUs ({CpuModel}), {Memory}, commit {Commit}";

    private static IEnumerable<string> ReadLines(string path) => File.Exists(path) ? File.ReadLines(path) : [];

    private static string? Git(string arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git", arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Repository.Root,
            };
            using var git = Process.Start(info)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
