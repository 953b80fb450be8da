namespace EdgeCommerce.Cli.Bench;

/// <summary>What <c>bench</c> runs, after parsing.</summary>
internal sealed class BenchOptions
{
    /// <summary>Seconds per measured wrk run. The default is 10.</summary>
    public int DurationSeconds { get; init; } = 10;

    /// <summary>Rounds; each runs the edge and nginx once, alternating which goes first. The default is 3.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>wrk connections. The default is 32.</summary>
    public int Connections { get; init; } = 32;

    /// <summary>wrk threads. The default is 2 (this machine has 2 CPUs, shared with the servers).</summary>
    public int Threads { get; init; } = 2;

    /// <summary>nginx worker processes. The default is 2, one per CPU here (the edge may use every core too).</summary>
    public int NginxWorkers { get; init; } = 2;

    /// <summary>Seconds of warm-up per server before the rounds (not measured). The default is 5.</summary>
    public int WarmupSeconds { get; init; } = 5;

    /// <summary>Paths to drive on the edge besides the widget (the command's default: <see cref="BenchTarget.Recommendations"/>).</summary>
    public IReadOnlyList<BenchTarget> ExtraTargets { get; init; } = [];

    /// <summary>Configuration passed to every edge the run starts, as <c>KEY=VALUE</c> (e.g. <c>RateLimits:ViewerPerSecond=50</c>).</summary>
    public IReadOnlyList<string> EdgeSettings { get; init; } = [];

    /// <summary>
    /// What the edges are started with: <see cref="EdgeSettings"/>, and, when a target carries a
    /// viewer token and no <c>RateLimits:</c> setting was given, per-viewer and per-creator limits
    /// raised out of reach, so the run measures serving rather than the limiter (a few hundred
    /// viewers of one creator at tens of thousands of requests per second would otherwise be 429s).
    /// </summary>
    public IReadOnlyList<string> EffectiveEdgeSettings =>
        ExtraTargets.Any(static t => t.Scope is not null) && !EdgeSettings.Any(static s => s.StartsWith("RateLimits:", StringComparison.OrdinalIgnoreCase))
            ? [.. EdgeSettings, .. s_unlimited]
            : EdgeSettings;

    private static readonly string[] s_unlimited =
    [
        "RateLimits:ViewerBurst=1000000", "RateLimits:ViewerPerSecond=1000000",
        "RateLimits:CreatorBurst=10000000", "RateLimits:CreatorPerSecond=10000000",
    ];

    /// <summary>Viewer tokens minted per scoped target. The default is 200.</summary>
    public int Viewers { get; init; } = 200;

    /// <summary>
    /// An edge assembly from another build (e.g. the previous commit's), run beside this build's
    /// edge on the same origin and measured in the same rounds as a third server, <c>edge-baseline</c>.
    /// </summary>
    public string? BaselineEdgeAssembly { get; init; }

    /// <summary>Skip nginx (no side-by-side), e.g. where it cannot be installed.</summary>
    public bool NoNginx { get; init; }

    /// <summary>Also append the report to this markdown file (perf/RESULTS.md), with machine, commit and command.</summary>
    public string? ResultsFile { get; init; }

    /// <summary>The command line as typed, for the report.</summary>
    public string CommandLine { get; init; } = "./edgecommerce bench";
}
