namespace EdgeCommerce.Benchmarks.Propagation;

/// <summary>Options of <c>propagation</c>; see perf/README.md.</summary>
internal sealed record PropagationOptions(
    IReadOnlyList<int> EdgeCounts,
    int Writes,
    int Warmup,
    int Creators,
    int Products,
    int Skus,
    int ParkMilliseconds,
    int PauseMilliseconds,
    bool Probe,
    IReadOnlyList<string> EdgeSettings,
    IReadOnlyList<string> OriginSettings);
