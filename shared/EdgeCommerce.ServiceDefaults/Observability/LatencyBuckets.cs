namespace EdgeCommerce.ServiceDefaults.Observability;

/// <summary>
/// Log-spaced latency buckets (each 10% wider than the last, 10 µs to about 60 s) for the
/// in-process rolling window: a percentile read from them is within 5% of the true value, which
/// the coarser Prometheus buckets cannot promise below a millisecond.
/// </summary>
internal static class LatencyBuckets
{
    private const double Smallest = 10e-6;
    private const double Growth = 1.10;

    /// <summary>Number of buckets; the last one holds everything above its lower bound.</summary>
    public static readonly int Count = (int)Math.Ceiling(Math.Log(60 / Smallest) / Math.Log(Growth)) + 2;

    private static readonly double s_logGrowth = Math.Log(Growth);

    /// <summary>The bucket of a duration in seconds.</summary>
    public static int IndexOf(double seconds)
    {
        if (!(seconds > Smallest))
        {
            return 0;
        }

        var index = 1 + (int)(Math.Log(seconds / Smallest) / s_logGrowth);
        return Math.Min(index, Count - 1);
    }

    /// <summary>A representative value of bucket <paramref name="index"/> in seconds (its geometric middle).</summary>
    public static double Midpoint(int index)
        => index == 0 ? Smallest / 2 : Smallest * Math.Pow(Growth, index - 0.5);

    /// <summary>The <paramref name="quantile"/> (0..1) of the counts, in seconds; null when empty.</summary>
    public static double? Quantile(ReadOnlySpan<long> counts, long total, double quantile)
    {
        if (total <= 0)
        {
            return null;
        }

        // Nearest rank: the smallest value with at least quantile × total measurements at or below it.
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Midpoint(i);
            }
        }

        return Midpoint(counts.Length - 1);
    }
}
