using System.Diagnostics;
using EdgeCommerce.Hosting.Processes;

namespace EdgeCommerce.Benchmarks.Fanout;

/// <summary>
/// Runs the simulated edges with socket completions inline on the epoll thread. They stand for
/// thousands of machines, and on this one they share two cores with the origin and the relays they
/// measure: every socket completion they hand to the thread pool is CPU the services do not get.
/// Their continuations are short (stamp an arrival, write an acknowledgement), which is what
/// inline completions are for. The runtime reads the switch from the environment at start only, so
/// the benchmark starts itself again with it set; the services it starts get it off, as deployed.
/// </summary>
internal static class InlineSocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static bool InEffect => Environment.GetEnvironmentVariable(Variable) == "1";

    /// <summary>Runs this benchmark again, with <paramref name="args"/>, in a process with the switch set; returns its exit code.</summary>
    public static async Task<int> RelaunchAsync(IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's own executable is unknown.");
        var info = new ProcessStartInfo(host) { UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(host), "dotnet", StringComparison.Ordinal))
        {
            info.ArgumentList.Add(typeof(InlineSocketCompletions).Assembly.Location);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment[Variable] = "1";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("The benchmark did not start again.");
        await process.WaitForExitOrKillAsync(cancellationToken);

        return process.ExitCode;
    }
}
