using System.Globalization;
using System.Text;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Rehearse;

/// <summary>The drop after the rehearsal, as the origin counts it.</summary>
/// <param name="Allocation">Units the drop offered, over its SKUs.</param>
/// <param name="Sold">Units sold (confirmed sales).</param>
/// <param name="Oversold">Units sold beyond a SKU's allocation, summed: the invariant says 0.</param>
internal sealed record DropOutcome(string DropId, long Allocation, long Sold, long Oversold);

/// <summary>Everything a rehearsal measured, and whether it passed.</summary>
/// <param name="K6ExitCode">k6's own exit code (99 when a threshold failed).</param>
/// <param name="Edges">Each edge's id with its own view of its routes.</param>
internal sealed record RehearsalReport(int K6ExitCode, IReadOnlyList<ThresholdVerdict> Thresholds, IReadOnlyList<(string EdgeId, IReadOnlyList<RouteLatency> Routes)> Edges, DropOutcome Drop)
{
    /// <summary>5xx answers other than 503 on every edge: the product promises none.</summary>
    public long ServerErrors => Edges.Sum(static edge => edge.Routes.Sum(static route => route.ServerErrors));

    /// <summary>What failed, one reason per line; empty when the rehearsal passed.</summary>
    public IReadOnlyList<string> Failures()
    {
        var failures = new List<string>();
        failures.AddRange(Thresholds.Where(static t => !t.Passed).Select(static t => $"k6 threshold {t.Metric} {t.Expression} failed ({K6Summary.Format(t)})"));
        if (K6ExitCode != 0 && failures.Count == 0)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"k6 exited with code {K6ExitCode}"));
        }

        if (Drop.Oversold != 0)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"oversold {Drop.Oversold} units (must be 0)"));
        }

        if (ServerErrors != 0)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{ServerErrors} answers were 5xx other than 503 (must be 0)"));
        }

        return failures;
    }

    public string Format()
    {
        var text = new StringBuilder();
        text.AppendLine("k6 thresholds:");
        var thresholds = new TextTable("", "METRIC", "THRESHOLD", "MEASURED");
        foreach (var threshold in Thresholds)
        {
            thresholds.Add(threshold.Passed ? "ok" : "FAIL", threshold.Metric, threshold.Expression, K6Summary.Format(threshold));
        }

        text.AppendLine(thresholds.Count == 0 ? "  (k6 wrote no threshold)" : Indent(thresholds.ToString()));
        text.AppendLine("The edges' own view (their http_server_request_duration_seconds over the rehearsal):");
        var routes = new TextTable("EDGE", "ROUTE", "REQUESTS", "P95", "5XX", "503");
        foreach (var (edgeId, latencies) in Edges)
        {
            foreach (var route in latencies)
            {
                routes.Add(edgeId, route.Route, route.Requests.ToString(CultureInfo.InvariantCulture),
                    route.P95Milliseconds is { } p95 ? p95.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-",
                    route.ServerErrors.ToString(CultureInfo.InvariantCulture), route.Unavailable.ToString(CultureInfo.InvariantCulture));
            }
        }

        text.AppendLine(routes.Count == 0 ? "  (no request reached an edge)" : Indent(routes.ToString()));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Drop {Drop.DropId}: sold {Drop.Sold} of {Drop.Allocation} units; oversold {Drop.Oversold} (must be 0); 5xx other than 503: {ServerErrors} (must be 0)"));
        var failures = Failures();
        text.Append(failures.Count == 0
            ? "PASS: every threshold held, nothing was oversold, no 5xx."
            : "FAIL: " + string.Join("; ", failures));
        return text.ToString();
    }

    private static string Indent(string table) => "  " + table.Replace(Environment.NewLine, Environment.NewLine + "  ", StringComparison.Ordinal);
}
