namespace EdgeCommerce.Benchmarks.Fanout;

/// <summary>One write's timings, in milliseconds after the admin's 200 (negative: an edge had it first).</summary>
/// <param name="Put">Admin PUT: sent to the 200's headers.</param>
/// <param name="PerEdge">Per simulated edge; empty when the write did not reach every edge in time.</param>
/// <param name="Missing">Edges that had not received the write when its wait timed out (0 normally).</param>
internal sealed record FanoutSample(double Put, double[] PerEdge, int Missing)
{
    public bool Complete => Missing == 0;

    /// <summary>Until the last edge had it (0 when every edge was there before the 200).</summary>
    public double Last => Math.Max(0, PerEdge.Max());

    public double First => Math.Max(0, PerEdge.Min());

    /// <summary>The median edge of this write.</summary>
    public double Median
    {
        get
        {
            var sorted = PerEdge.Order().ToArray();
            return Math.Max(0, sorted[sorted.Length / 2]);
        }
    }
}
