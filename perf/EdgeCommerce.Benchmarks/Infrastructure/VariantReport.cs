using System.Globalization;
using System.Text;
using EdgeCommerce.Benchmarks.Auth;

namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>
/// The section of a same-run comparison of variants over wrk (<see cref="AuthBenchmark.RunRoundsAsync"/>):
/// title, command, setup, and one row of medians per variant; printed, and appended to
/// <c>perf/RESULTS.md</c> when asked to save.
/// </summary>
internal static class VariantReport
{
    /// <summary>
    /// Measures one response computed on every request against the same served through the output
    /// cache, rounds alternating, and writes the section; 1 when a run failed.
    /// </summary>
    public static async Task<int> CompareOutputCacheAsync(
        string title, BenchArguments args, string setup, Uri computed, Uri cached, string script,
        int connections, int seconds, int rounds, bool save, CancellationToken cancellationToken)
    {
        (string Name, Uri Url, string Script)[] variants = [("computed", computed, script), ("output cache", cached, script)];
        if (await AuthBenchmark.RunRoundsAsync(variants, connections, seconds, rounds, cancellationToken) is not { } results)
        {
            return 1;
        }

        Write(title, args, $"wrk -t2 -c{connections}, {seconds} s per run, {rounds} rounds alternating the order; {setup}", variants.Select(static v => v.Name), results, save);
        return 0;
    }

    public static void Write(
        string title, BenchArguments args, string setup, IEnumerable<string> variants, Dictionary<string, List<AuthBenchmark.WrkResult>> results, bool save)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## {title} ({TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"`dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {args.CommandLine}`");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{MachineInfo.Describe()}; {setup} Medians of the rounds.");
        text.AppendLine();
        text.AppendLine("| variant | requests/s (median) | p50 ms | p99 ms | server CPU µs/request (median) |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var name in variants)
        {
            var runs = results[name];
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {AuthBenchmark.Median(runs.Select(static r => r.RequestsPerSecond)):N0} | {AuthBenchmark.Median(runs.Select(static r => r.P50Ms)):0.000} | {AuthBenchmark.Median(runs.Select(static r => r.P99Ms)):0.000} | {AuthBenchmark.Median(runs.Select(static r => r.CpuMicrosecondsPerRequest)):0.0} |");
        }

        var report = text.ToString();
        Console.WriteLine(report);
        if (save)
        {
            ResultsFile.Append(report);
            Console.WriteLine($"Appended to {ResultsFile.Path}");
        }
    }
}
