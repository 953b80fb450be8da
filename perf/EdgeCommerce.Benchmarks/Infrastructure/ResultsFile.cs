using System.Text;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>Appends one run's section to <c>perf/RESULTS.md</c>, creating the file with its preamble.</summary>
internal static class ResultsFile
{
    public static string Path => System.IO.Path.Combine(Repository.Root, "perf", "RESULTS.md");

    public static void Append(string section)
    {
        if (!File.Exists(Path))
        {
            File.WriteAllText(Path, """
                # Benchmark results

                Each section is one run of `perf/EdgeCommerce.Benchmarks`, appended by the benchmark itself:
                when, on what machine, at which commit, how loaded the machine was, the exact command and
                the figures. How to read them: `perf/README.md`. Newest last.

                """, Encoding.UTF8);
        }

        File.AppendAllText(Path, Environment.NewLine + section.TrimEnd() + Environment.NewLine, Encoding.UTF8);
    }
}
