using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeCommerce.Cli.Rehearse;

/// <summary>An edge's own view of one route: requests, its P95 from the server's histogram, and 5xx answers.</summary>
internal sealed record RouteLatency(string Route, long Requests, double? P95Milliseconds, long ServerErrors, long Unavailable);

/// <summary>
/// Reads an edge's Prometheus <c>/metrics</c> (<c>http_server_request_duration_seconds</c>): per
/// route, the request count, the P95 interpolated in its histogram buckets (over the process's
/// life, which for a fresh stack is the rehearsal), and the 5xx answers (503 apart: it comes with
/// Retry-After and is the edge's honest "not now").
/// </summary>
internal static partial class EdgeLatency
{
    private const string Histogram = "http_server_request_duration_seconds";

    public static IReadOnlyList<RouteLatency> Parse(string metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var buckets = new Dictionary<string, SortedDictionary<double, long>>(StringComparer.Ordinal);
        var counts = new Dictionary<string, (long Requests, long ServerErrors, long Unavailable)>(StringComparer.Ordinal);
        foreach (var line in metrics.Split('\n'))
        {
            var bucket = line.StartsWith(Histogram + "_bucket{", StringComparison.Ordinal);
            var count = line.StartsWith(Histogram + "_count{", StringComparison.Ordinal);
            if (!bucket && !count)
            {
                continue;
            }

            var close = line.LastIndexOf('}');
            if (close < 0 || !TryParseNumber(line[(close + 1)..].Trim().Split(' ')[0], out var value))
            {
                continue;
            }

            var labels = Labels(line[(line.IndexOf('{', StringComparison.Ordinal) + 1)..close]);
            if (!labels.TryGetValue("http_route", out var route) || route.Length == 0)
            {
                continue;
            }

            if (bucket && labels.TryGetValue("le", out var le) && TryParseNumber(le, out var bound))
            {
                var perRoute = buckets.TryGetValue(route, out var existing) ? existing : buckets[route] = [];
                perRoute[bound] = perRoute.GetValueOrDefault(bound) + (long)value;
            }
            else if (count)
            {
                var status = labels.GetValueOrDefault("http_response_status_code", "");
                var (requests, errors, unavailable) = counts.GetValueOrDefault(route);
                counts[route] = (requests + (long)value,
                    errors + (status.StartsWith('5') && status != "503" ? (long)value : 0),
                    unavailable + (status == "503" ? (long)value : 0));
            }
        }

        return [.. counts.OrderByDescending(static c => c.Value.Requests).Select(c => new RouteLatency(c.Key, c.Value.Requests,
            buckets.TryGetValue(c.Key, out var b) ? Percentile(b, 0.95) : null, c.Value.ServerErrors, c.Value.Unavailable))];
    }

    /// <summary>The quantile in milliseconds, linear within the bucket it falls in (as PromQL's histogram_quantile).</summary>
    internal static double? Percentile(SortedDictionary<double, long> cumulative, double quantile)
    {
        ArgumentNullException.ThrowIfNull(cumulative);
        if (cumulative.Count == 0 || cumulative.Last().Value == 0)
        {
            return null;
        }

        var target = quantile * cumulative.Last().Value;
        double lower = 0;
        long below = 0;
        foreach (var (bound, count) in cumulative)
        {
            if (count >= target)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return lower * 1000;
                }

                var share = count == below ? 1 : (target - below) / (count - below);
                return (lower + ((bound - lower) * share)) * 1000;
            }

            lower = bound;
            below = count;
        }

        return lower * 1000;
    }

    private static Dictionary<string, string> Labels(string text)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in LabelPattern().Matches(text))
        {
            labels[match.Groups[1].Value] = match.Groups[2].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }

        return labels;
    }

    private static bool TryParseNumber(string text, out double value)
    {
        if (text is "+Inf" or "Inf")
        {
            value = double.PositiveInfinity;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=""((?:[^""\\]|\\.)*)""", RegexOptions.CultureInvariant)]
    private static partial Regex LabelPattern();
}
