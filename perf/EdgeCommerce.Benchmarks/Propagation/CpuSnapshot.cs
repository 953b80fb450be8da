using EdgeCommerce.Benchmarks.Infrastructure;

namespace EdgeCommerce.Benchmarks.Propagation;

/// <summary>CPU time used so far by the origin, the edges, this client and the whole machine (ms).</summary>
internal sealed record CpuSnapshot(double Origin, double Edges, double Client, double MachineBusy, double MachineTotal)
{
    public static CpuSnapshot Take(OriginHost origin, IEnumerable<EdgeHost> edges)
    {
        var (busy, total) = CpuTime.MachineMilliseconds();
        return new CpuSnapshot(
            CpuTime.ProcessMilliseconds(origin.ProcessId) ?? 0,
            edges.Sum(static e => CpuTime.ProcessMilliseconds(e.ProcessId) ?? 0),
            CpuTime.ProcessMilliseconds(Environment.ProcessId) ?? 0,
            busy,
            total);
    }

    /// <summary>CPU milliseconds per wall-clock second since <paramref name="start"/>.</summary>
    public CpuPerWrite PerSecondSince(CpuSnapshot start, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(start);
        var seconds = elapsed.TotalSeconds;
        return new CpuPerWrite(
            (Origin - start.Origin) / seconds,
            (Edges - start.Edges) / seconds,
            (Client - start.Client) / seconds,
            (MachineBusy - start.MachineBusy) / seconds,
            (MachineTotal - start.MachineTotal) / seconds);
    }

    public CpuPerWrite PerWriteSince(CpuSnapshot start, int writes)
    {
        ArgumentNullException.ThrowIfNull(start);
        return new CpuPerWrite(
            (Origin - start.Origin) / writes,
            (Edges - start.Edges) / writes,
            (Client - start.Client) / writes,
            (MachineBusy - start.MachineBusy) / writes,
            (MachineTotal - start.MachineTotal) / writes);
    }
}
