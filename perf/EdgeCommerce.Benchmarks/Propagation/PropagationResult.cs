using EdgeCommerce.Benchmarks.Infrastructure;

namespace EdgeCommerce.Benchmarks.Propagation;

/// <summary>What one edge count produced.</summary>
internal sealed record PropagationResult(
    int Edges,
    IReadOnlyList<PropagationSample> Samples,
    IReadOnlyList<string> EdgeIds,
    IReadOnlyList<long?> EdgeResidentBytes,
    long? OriginResidentBytes,
    string LoadBefore,
    string LoadAfter,
    int EdgesAtHeadInOriginView,
    CpuPerWrite Cpu,
    CpuPerWrite Idle,
    CpuPerWrite? IdleWarm)
{
    public LatencySummary All => LatencySummary.From(Samples.Select(static s => s.All));

    public LatencySummary Any => LatencySummary.From(Samples.Select(static s => s.Any));

    public LatencySummary AllFromSend => LatencySummary.From(Samples.Select(static s => s.AllFromSend));

    public LatencySummary Put => LatencySummary.From(Samples.Select(static s => s.Put));

    public LatencySummary? Probe
        => Samples.All(static s => s.Probe is not null) && Samples.Count > 0
            ? LatencySummary.From(Samples.Select(static s => Math.Max(0, s.Probe!.Value)))
            : null;

    public LatencySummary Edge(int index) => LatencySummary.From(Samples.Select(s => Math.Max(0, s.PerEdge[index])));

    /// <summary>Edge-writes where the edge answered before the admin had its 200.</summary>
    public int AheadOfAcknowledgement => Samples.Sum(static s => s.PerEdge.Count(static v => v <= 0));
}
