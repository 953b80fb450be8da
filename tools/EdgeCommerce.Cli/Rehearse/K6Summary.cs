using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Rehearse;

/// <summary>One k6 threshold and how it went: <c>http_req_duration{name:reserve}</c> <c>p(95)&lt;100</c> 12.3.</summary>
/// <param name="Value">The aggregate the expression tests (p(95), rate, count), when the summary has it.</param>
internal sealed record ThresholdVerdict(string Metric, string Expression, bool Passed, double? Value);

/// <summary>
/// Reads k6's end-of-test summary: the file <c>k6 run --summary-export</c> writes (a threshold's
/// boolean is true when it <em>failed</em>, as k6 documents) or the <c>handleSummary</c> data
/// (<c>{"ok": true}</c> per threshold). Both name the metric and the expression.
/// </summary>
internal static class K6Summary
{
    /// <exception cref="CliException">The text is not a k6 summary.</exception>
    public static IReadOnlyList<ThresholdVerdict> ReadThresholds(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            if (!document.RootElement.TryGetProperty("metrics", out var metrics) || metrics.ValueKind != JsonValueKind.Object)
            {
                throw new CliException("The k6 summary has no 'metrics' object.");
            }

            var verdicts = new List<ThresholdVerdict>();
            foreach (var metric in metrics.EnumerateObject())
            {
                if (metric.Value.ValueKind != JsonValueKind.Object || !metric.Value.TryGetProperty("thresholds", out var thresholds) || thresholds.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var threshold in thresholds.EnumerateObject())
                {
                    var passed = threshold.Value.ValueKind switch
                    {
                        // --summary-export: true means the threshold was crossed (failed).
                        JsonValueKind.True => false,
                        JsonValueKind.False => true,
                        JsonValueKind.Object when threshold.Value.TryGetProperty("ok", out var ok) => ok.ValueKind == JsonValueKind.True,
                        _ => false,
                    };
                    verdicts.Add(new ThresholdVerdict(metric.Name, threshold.Name, passed, ValueOf(metric.Value, threshold.Name)));
                }
            }

            return verdicts;
        }
        catch (JsonException ex)
        {
            throw new CliException($"The k6 summary is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>The aggregate an expression such as <c>p(95)&lt;100</c> or <c>rate&lt;0.01</c> tests.</summary>
    private static double? ValueOf(JsonElement metric, string expression)
    {
        var end = expression.IndexOfAny(['<', '>', '=', '!']);
        var aggregate = (end < 0 ? expression : expression[..end]).Trim();
        foreach (var holder in new[] { metric, metric.TryGetProperty("values", out var values) ? values : default })
        {
            if (holder.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (holder.TryGetProperty(aggregate, out var value) && value.ValueKind == JsonValueKind.Number)
            {
                return value.GetDouble();
            }

            // A rate metric's rate is "value" in the --summary-export file.
            if (aggregate == "rate" && holder.TryGetProperty("value", out var rate) && rate.ValueKind == JsonValueKind.Number)
            {
                return rate.GetDouble();
            }
        }

        return null;
    }

    /// <summary><c>12.3</c> for a duration in ms, <c>0.42%</c> for a rate, <c>7</c> for a count.</summary>
    public static string Format(ThresholdVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        if (verdict.Value is not { } value)
        {
            return "-";
        }

        return verdict.Expression.StartsWith("rate", StringComparison.Ordinal)
            ? (value * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%"
            : verdict.Expression.StartsWith("count", StringComparison.Ordinal)
                ? value.ToString("0", CultureInfo.InvariantCulture)
                : value.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
    }
}
