using System.CommandLine;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Bench;

/// <summary><c>bench</c>: the edge's cached widget against nginx proxy_cache, side by side in one run, with wrk.</summary>
internal sealed class BenchCommand : Command
{
    /// <summary>Characters that make a token need quoting when the command line is shown for copying into a shell.</summary>
    private static readonly System.Buffers.SearchValues<char> s_shellSpecial = System.Buffers.SearchValues.Create(" ;{}\"'&|<>*?$()");

    private readonly Option<int> _duration = Int("--duration", "Seconds per measured run", "S", 10, 1, 3600);
    private readonly Option<int> _rounds = Int("--rounds", "Rounds; each runs the edge and nginx once, alternating which goes first", "N", 3, 1, 100);
    private readonly Option<int> _connections = Int("--connections", "wrk connections", "C", 32, 1, 10_000);
    private readonly Option<int> _threads = Int("--threads", "wrk threads", "T", 2, 1, 64);
    private readonly Option<int> _warmup = Int("--warmup", "Seconds of warm-up per server before the rounds", "S", 5, 0, 600);
    private readonly Option<int> _nginxWorkers = Int("--nginx-workers", "nginx worker processes", "N", 2, 1, 64);
    private readonly Option<int> _viewers = Int("--viewers", "Viewer tokens minted per scoped --target (each request uses the next)", "N", 200, 1, 10_000);
    private readonly Option<string[]> _targets = new("--target")
    {
        Description = "More edge paths to drive (repeatable): name=/path[;scope=S][;method=M][;body=JSON]; {creator} is replaced by the demo creator. "
            + "With a scope, each request carries a viewer token for it (e.g. recs=/v1/creators/{creator}/recommendations;scope=recs:read)",
        HelpName = "SPEC",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<bool> _noDefaultTargets = new("--widget-only")
    {
        Description = "Drive only the widget (by default the recommendations path runs too, with viewer tokens)",
    };

    private readonly Option<string[]> _edgeSettings = new("--edge-setting")
    {
        Description = "Configuration for every edge the run starts (repeatable), e.g. RateLimits:ViewerPerSecond=50. "
            + "With a scoped target and no RateLimits: setting, the edges' rate limits are raised out of reach so the run measures serving",
        HelpName = "KEY=VALUE",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _baseline = new("--baseline-edge")
    {
        Description = "Also run this edge assembly (another build's EdgeCommerce.Edge.dll) beside the current one, measured in the same rounds as edge-baseline",
        HelpName = "DLL",
    };

    private readonly Option<bool> _noNginx = new("--no-nginx") { Description = "Measure the edge alone (no side-by-side)" };
    private readonly Option<string?> _results = new("--results")
    {
        Description = "Also append the report to this markdown file (e.g. perf/RESULTS.md)",
        HelpName = "FILE",
    };

    public BenchCommand(CliContext context)
        : base("bench", "Start a fresh stack, drive wrk at the edge's widget and at nginx proxy_cache serving the same bytes (alternating), print a markdown table.")
    {
        Options.Add(_duration);
        Options.Add(_rounds);
        Options.Add(_connections);
        Options.Add(_threads);
        Options.Add(_warmup);
        Options.Add(_nginxWorkers);
        Options.Add(_viewers);
        Options.Add(_targets);
        Options.Add(_noDefaultTargets);
        Options.Add(_edgeSettings);
        Options.Add(_baseline);
        Options.Add(_noNginx);
        Options.Add(_results);
        SetAction((parseResult, cancellationToken) => new BenchRunner(Bind(parseResult), context).RunAsync(cancellationToken));
    }

    internal BenchOptions Bind(ParseResult parseResult) => new()
    {
        DurationSeconds = parseResult.GetValue(_duration),
        Rounds = parseResult.GetValue(_rounds),
        Connections = parseResult.GetValue(_connections),
        Threads = parseResult.GetValue(_threads),
        WarmupSeconds = parseResult.GetValue(_warmup),
        NginxWorkers = parseResult.GetValue(_nginxWorkers),
        Viewers = parseResult.GetValue(_viewers),
        ExtraTargets = parseResult.GetValue(_targets) is { Length: > 0 } targets ? [.. targets.Select(BenchTarget.Parse)]
            : parseResult.GetValue(_noDefaultTargets) ? [] : [BenchTarget.Recommendations],
        EdgeSettings = [.. (parseResult.GetValue(_edgeSettings) ?? []).Select(ParseSetting)],
        NoNginx = parseResult.GetValue(_noNginx),
        BaselineEdgeAssembly = parseResult.GetValue(_baseline) is { } baseline ? Path.GetFullPath(baseline) : null,
        ResultsFile = parseResult.GetValue(_results),
        CommandLine = "./edgecommerce " + string.Join(' ', parseResult.Tokens.Select(static t => t.Value.AsSpan().IndexOfAny(s_shellSpecial) >= 0 ? "'" + t.Value.Replace("'", "'\\''", StringComparison.Ordinal) + "'" : t.Value)),
    };

    /// <exception cref="CliException">Not KEY=VALUE with a configuration key.</exception>
    private static string ParseSetting(string setting)
    {
        var equals = setting.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || setting[..equals].Any(static c => !(char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '.')))
        {
            throw new CliException($"--edge-setting '{setting}': expected KEY=VALUE with a configuration key such as RateLimits:ViewerPerSecond.");
        }

        return setting;
    }

    private static Option<int> Int(string name, string description, string helpName, int defaultValue, int min, int max) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => CommonOptions.ParseInt(result, name, min, max, "a number") ?? defaultValue,
    };
}
