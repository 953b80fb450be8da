using System.Globalization;
using System.Text;

namespace EdgeCommerce.Cli.Bench;

/// <summary>One server × target over the rounds.</summary>
internal sealed record BenchSeries(string Target, string Server, IReadOnlyList<WrkResult> Runs)
{
    public double MedianRps => Median(Runs.Select(static r => r.RequestsPerSecond));

    public double MedianP50Ms => Median(Runs.Select(static r => r.P50Us / 1000.0));

    public double MedianP99Ms => Median(Runs.Select(static r => r.P99Us / 1000.0));

    /// <summary>This series' requests per second ÷ <paramref name="other"/>'s, round by round (the runs of one round follow each other within seconds).</summary>
    public IReadOnlyList<double> PerRoundRatios(BenchSeries other)
        => [.. Runs.Zip(other.Runs, static (a, b) => b.RequestsPerSecond > 0 ? a.RequestsPerSecond / b.RequestsPerSecond : 0)];

    public long Errors => Runs.Sum(static r => r.SocketErrors + r.Non2xx);

    /// <summary>Median server CPU per request in µs; null when unknown.</summary>
    public double? MedianCpuUs => Runs.All(static r => r.CpuUsPerRequest is not null) && Runs.Count > 0 ? Median(Runs.Select(static r => r.CpuUsPerRequest!.Value)) : null;

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(static v => v).ToArray();
        if (sorted.Length == 0)
        {
            return 0;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>The markdown the benchmark prints and, with <c>--results</c>, appends.</summary>
internal static class BenchReport
{
    public static string Markdown(IReadOnlyList<BenchSeries> series, BenchOptions options, string machine, string widgetBytes, DateTimeOffset started)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"## bench — {started:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(inv, $"- {machine}");
        md.AppendLine(inv, $"- command: `{options.CommandLine}`");
        var runtime = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(static k => k.StartsWith("DOTNET_", StringComparison.Ordinal) && !k.StartsWith("DOTNET_CLI_", StringComparison.Ordinal)
                && k is not ("DOTNET_NOLOGO" or "DOTNET_SKIP_FIRST_TIME_EXPERIENCE" or "DOTNET_GENERATE_ASPNET_CERTIFICATE" or "DOTNET_ROOT"))
            .Order(StringComparer.Ordinal)
            .Select(static k => k + "=" + Environment.GetEnvironmentVariable(k))
            .ToList();
        md.AppendLine(inv, $"- runtime environment passed to the services: {(runtime.Count == 0 ? "none beyond DOTNET_gcServer=0 (workstation GC)" : string.Join(' ', runtime))}");
        md.AppendLine(inv, $"- edge settings: {(options.EffectiveEdgeSettings.Count == 0 ? "defaults" : string.Join(' ', options.EffectiveEdgeSettings.Select(static s => "`" + s + "`")))}");
        md.AppendLine(inv, $"- wrk -t{options.Threads} -c{options.Connections}, {options.DurationSeconds} s per run, {options.Rounds} rounds after {options.WarmupSeconds} s of warm-up each; edge and nginx alternate (ABBA…) in one run; medians over the rounds");
        md.AppendLine(inv, $"- widget: {widgetBytes}; nginx {options.NginxWorkers} workers, proxy_cache in front of the same edge (Cache-Control ignored: every request after the first is a hit), keepalive_requests 1000000; services with workstation GC");
        md.AppendLine();
        md.AppendLine("| target | server | req/s (median) | p50 ms | p99 ms | server CPU µs/request | errors | req/s per run |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var s in series)
        {
            md.AppendLine(inv, $"| {s.Target} | {s.Server} | {s.MedianRps:N0} | {s.MedianP50Ms:0.000} | {s.MedianP99Ms:0.000} | {(s.MedianCpuUs is { } cpu ? cpu.ToString("0.0", inv) : "—")} | {s.Errors} | {string.Join(", ", s.Runs.Select(r => r.RequestsPerSecond.ToString("N0", inv)))} |");
        }

        var nginx = series.FirstOrDefault(static s => s.Target == "widget" && s.Server == "nginx");
        var edges = series.Where(static s => s.Target == "widget" && s.Server != "nginx").ToList();
        if (nginx is not null && nginx.MedianRps > 0 && edges.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| widget, ÷ nginx | req/s: median of per-round ratios | req/s: ratio of medians | p50: ratio of medians | p99: ratio of medians | req/s per round |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | --- |");
            foreach (var edge in edges)
            {
                var perRound = edge.PerRoundRatios(nginx);
                md.AppendLine(inv, $"| {edge.Server} ÷ nginx | {BenchSeries.Median(perRound):0.00}× | {edge.MedianRps / nginx.MedianRps:0.00}× | {Ratio(edge.MedianP50Ms, nginx.MedianP50Ms)} | {Ratio(edge.MedianP99Ms, nginx.MedianP99Ms)} | {Ratios(perRound)} |");
            }

            md.AppendLine();
            md.AppendLine("Higher req/s is better; for p50 and p99 a ratio below 1 means the edge is faster than nginx. Each round's two runs follow each other within seconds, so the per-round ratio cancels most of the load that other work puts on the machine; prefer it to the ratio of medians when the per-run figures wander. Server CPU per request (from /proc, the server process and its children, 10 ms ticks) does not depend on how much CPU the server was given, so it compares efficiency even on a busy machine.");
        }

        // Each personal path against the widget of the same edge build.
        var personal = series.Where(static s => s.Target != "widget")
            .Select(p => (Path: p, Widget: series.FirstOrDefault(s => s.Target == "widget" && s.Server == p.Server)))
            .Where(static p => p.Widget is { MedianRps: > 0 })
            .ToList();
        if (personal.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| on the edge, ÷ its widget | req/s: median of per-round ratios | p99: ratio of medians | req/s per round |");
            md.AppendLine("| --- | ---: | ---: | --- |");
            foreach (var (target, widget) in personal)
            {
                var perRound = target.PerRoundRatios(widget!);
                var label = target.Server == "edge" ? target.Target : $"{target.Target} ({target.Server})";
                md.AppendLine(inv, $"| {label} ÷ widget | {BenchSeries.Median(perRound):0.00}× | {Ratio(target.MedianP99Ms, widget!.MedianP99Ms)} | {Ratios(perRound)} |");
            }
        }

        return md.ToString();
    }

    private static string Ratios(IEnumerable<double> ratios) => string.Join(", ", ratios.Select(static r => r.ToString("0.00", CultureInfo.InvariantCulture) + "×"));

    private static string Ratio(double a, double b) => b > 0 ? (a / b).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "—";
}
