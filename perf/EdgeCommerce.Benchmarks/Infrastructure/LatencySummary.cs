using System.Globalization;

namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>Nearest-rank percentiles of a sample, in milliseconds.</summary>
internal sealed record LatencySummary(int Count, double P50, double P95, double P99, double Max)
{
    public static LatencySummary From(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        return new LatencySummary(sorted.Length, Percentile(sorted, 50), Percentile(sorted, 95), Percentile(sorted, 99), sorted[^1]);
    }

    /// <summary>Nearest rank: the smallest value with at least p% of the sample at or below it.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string Ms(double value) => double.IsNaN(value) ? "n/a" : value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    /// <summary><c>| p50 | p95 | p99 | max |</c> cells.</summary>
    public string Cells => $"{Ms(P50)} | {Ms(P95)} | {Ms(P99)} | {Ms(Max)}";
}
