using EdgeCommerce.Benchmarks.Wan;

namespace EdgeCommerce.Benchmarks.Fanout;

/// <summary>Options of <c>fanout</c>; see perf/README.md.</summary>
internal sealed record FanoutOptions(
    IReadOnlyList<int> EdgeCounts,
    IReadOnlyList<int> RelayCounts,
    int Writes,
    int Warmup,
    int Creators,
    int Products,
    int Skus,
    int Connections,
    int Wave,
    bool Cold,
    int PauseMilliseconds,
    int MaxStreamsPerConnection,
    TimeSpan WriteTimeout,
    bool Wan,
    WanLink RegionLink,
    WanLink MetroLink,
    int WanRegions,
    IReadOnlyList<string> RelaySettings,
    IReadOnlyList<string> EdgeSettings,
    IReadOnlyList<string> OriginSettings,
    bool Rotate = false,
    string? OriginAssembly = null,
    string? EdgeAssembly = null);
