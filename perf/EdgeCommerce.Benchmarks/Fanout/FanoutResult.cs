using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Benchmarks.Propagation;

namespace EdgeCommerce.Benchmarks.Fanout;

/// <summary>What one (relays, edges) combination produced.</summary>
internal sealed record FanoutResult(
    int Relays,
    int Edges,
    int BaseStreams,
    IReadOnlyList<FanoutSample> Samples,
    CpuPerWrite Cpu,
    CpuPerWrite Idle,
    long? OriginRssBefore,
    long? OriginRssConnected,
    long? OriginRssAfter,
    long? ClientRssBefore,
    long? ClientRssConnected,
    IReadOnlyList<long?> RelayRss,
    TimeSpan ConnectTime,
    int OriginConnections,
    int Reconnects,
    string Endings,
    int OutOfOrder,
    int BehindAtEnd,
    int AtHeadInRegistry,
    int WithViaInRegistry,
    string LoadBefore,
    string LoadAfter,
    string Topology,
    KeyRotationReading? Rotation = null)
{
    public string Mode => Relays == 0 ? "direct" : $"{Relays} relays";

    public IEnumerable<FanoutSample> Completed => Samples.Where(static s => s.Complete);

    public int Incomplete => Samples.Count(static s => !s.Complete);

    public LatencySummary Last => LatencySummary.From(Completed.Select(static s => s.Last));

    public LatencySummary First => LatencySummary.From(Completed.Select(static s => s.First));

    public LatencySummary Median => LatencySummary.From(Completed.Select(static s => s.Median));

    /// <summary>Every edge-write of the completed writes together: the arrival at every simulated edge.</summary>
    public LatencySummary EveryEdge => LatencySummary.From(Completed.SelectMany(static s => s.PerEdge).Select(static v => Math.Max(0, v)));

    public LatencySummary Put => LatencySummary.From(Samples.Select(static s => s.Put));

    /// <summary>Origin RSS growth per stream, from the first wave of <see cref="BaseStreams"/> streams (or none, with one wave) to all N caught up.</summary>
    public double? OriginBytesPerStream => OriginRssConnected - OriginRssBefore is { } delta ? (double)delta / (Edges - BaseStreams) : null;

    public double? ClientBytesPerStream => ClientRssConnected - ClientRssBefore is { } delta ? (double)delta / (Edges - BaseStreams) : null;
}

/// <summary>What <c>fanout --rotate</c> read: CPU per second from a signing key rotation on, and when the new key signed (null: not within 5 s).</summary>
internal sealed record KeyRotationReading(CpuPerWrite Cpu, TimeSpan? Signing);
