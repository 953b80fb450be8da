namespace EdgeCommerce.Benchmarks.Propagation;

/// <summary>One write's timings, in milliseconds.</summary>
/// <param name="Put">Admin PUT: request sent to the 200's headers.</param>
/// <param name="PerEdge">Per edge: its long-poll answered, minus the 200's arrival (negative: the edge had it first).</param>
/// <param name="AllFromSend">The last edge's answer, from the moment the PUT was sent.</param>
/// <param name="Probe">The bare gRPC subscriber's arrival minus the 200's arrival, when probing.</param>
internal sealed record PropagationSample(double Put, double[] PerEdge, double AllFromSend, double? Probe)
{
    /// <summary>Time until the last edge had it, after the 200 (0 when it was there first).</summary>
    public double All => Math.Max(0, PerEdge.Max());

    /// <summary>Time until the first edge had it, after the 200 (0 when it was there first).</summary>
    public double Any => Math.Max(0, PerEdge.Min());
}
