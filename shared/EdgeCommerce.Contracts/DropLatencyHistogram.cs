namespace EdgeCommerce.Contracts;

/// <summary>
/// The fixed latency buckets edges count drop calls in, shared so the origin can add
/// every edge's counts and read one percentile over all calls: a percentile of per-edge
/// percentiles would be meaningless. Bucket <c>i</c> holds calls of at most
/// <c>0.5 ms × 2^(i/4)</c> (above the previous bound): about 19% wide, from 0.5 ms to ~2 min; the
/// last bucket takes everything longer.
/// </summary>
public static class DropLatencyHistogram
{
    public const int BucketCount = 72;

    private static readonly double[] s_bounds = [.. Enumerable.Range(0, BucketCount).Select(static i => 0.5 * Math.Pow(2, i / 4.0))];

    /// <summary>The upper bound (ms) of bucket <paramref name="index"/>.</summary>
    public static double UpperBound(int index) => s_bounds[Math.Clamp(index, 0, BucketCount - 1)];

    /// <summary>The bucket a call of <paramref name="milliseconds"/> falls in.</summary>
    public static int IndexOf(double milliseconds)
    {
        if (!(milliseconds > s_bounds[0]))
        {
            return 0;
        }

        var index = (int)Math.Ceiling(4 * Math.Log2(milliseconds / 0.5));
        // Rounding at a bound may land one off: settle on the first bound at or above the value.
        while (index > 0 && index < BucketCount && s_bounds[index - 1] >= milliseconds)
        {
            index--;
        }

        while (index < BucketCount - 1 && s_bounds[index] < milliseconds)
        {
            index++;
        }

        return Math.Min(index, BucketCount - 1);
    }

    /// <summary>
    /// The <paramref name="quantile"/> (0.95 for P95) of the calls counted in <paramref name="buckets"/>,
    /// interpolated linearly inside its bucket; null when nothing was counted.
    /// </summary>
    public static double? Quantile(IReadOnlyList<long> buckets, double quantile)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        long total = 0;
        foreach (var count in buckets)
        {
            total += Math.Max(0, count);
        }

        if (total == 0)
        {
            return null;
        }

        var rank = quantile * total;
        long seen = 0;
        for (var i = 0; i < buckets.Count && i < BucketCount; i++)
        {
            var count = Math.Max(0, buckets[i]);
            if (count > 0 && seen + count >= rank)
            {
                var lower = i == 0 ? 0 : s_bounds[i - 1];
                var fraction = (rank - seen) / count;
                return lower + ((s_bounds[i] - lower) * Math.Clamp(fraction, 0, 1));
            }

            seen += count;
        }

        return s_bounds[Math.Min(buckets.Count, BucketCount) - 1];
    }
}
