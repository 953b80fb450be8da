using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Demo;
using EdgeCommerce.Cli.Services;
using EdgeCommerce.Cli.Up;

namespace EdgeCommerce.Cli.Rehearse;

/// <summary>
/// <c>rehearse [--viewers N] [--ramp S] [--hold S] [--k6 PATH]</c>: a fresh local stack with a
/// drop opening in a few seconds, k6's drop spike against it, then k6's threshold verdicts beside
/// the edges' own P95 per route and the drop's outcome. Exit 0 when every threshold held, nothing
/// was oversold and no 5xx was answered; 1 otherwise; 2 without k6 (it says how to get it).
/// </summary>
internal sealed class RehearseCommand : Command
{
    /// <summary>The demo creator whose drop is rehearsed.</summary>
    private const string Creator = "nova-threads";

    private readonly Option<int> _viewers = new("--viewers")
    {
        Description = "Peak concurrent viewers",
        HelpName = "N",
        DefaultValueFactory = static _ => 200,
        CustomParser = static result => CommonOptions.ParseInt(result, "--viewers", 1, 100_000, "a number of viewers") ?? 0,
    };

    private readonly Option<int> _ramp = Seconds("--ramp", "Seconds from no viewer to the peak", 10);
    private readonly Option<int> _hold = Seconds("--hold", "Seconds at the peak", 30);
    private readonly Option<int> _opensIn = Seconds("--opens-in", "Seconds from the stack being ready to the drop opening", 10);
    private readonly Option<int> _units = new("--units")
    {
        Description = "Units of each of the drop's three SKUs",
        HelpName = "N",
        DefaultValueFactory = static _ => 50,
        CustomParser = static result => CommonOptions.ParseInt(result, "--units", 1, 100_000, "a number of units") ?? 0,
    };

    private readonly Option<int> _edges = new("--edges")
    {
        Description = "How many edges the stack runs (k6 loads the first)",
        HelpName = "N",
        DefaultValueFactory = static _ => 2,
        CustomParser = static result => CommonOptions.ParseInt(result, "--edges", 1, UpOptions.MaxEdges, "a number of edges") ?? 0,
    };

    private readonly Option<string?> _k6 = new("--k6") { Description = "The k6 executable (default: k6 on PATH)", HelpName = "PATH" };
    private readonly Option<string?> _script = new("--script") { Description = "The k6 script (default: perf/k6/drop-spike.js of this repository)", HelpName = "FILE" };
    private readonly Option<string?> _data = new("--data") { Description = "Where the fresh stack keeps its data and logs (default: a new temporary directory, kept for its logs)", HelpName = "DIR" };

    public RehearseCommand(CliContext context)
        : base("rehearse", "Rehearse a drop: a fresh stack with a drop opening in seconds, k6's drop spike against it, k6's verdicts beside the edges' own P95 and the drop's outcome.")
    {
        Options.Add(_viewers);
        Options.Add(_ramp);
        Options.Add(_hold);
        Options.Add(_opensIn);
        Options.Add(_units);
        Options.Add(_edges);
        Options.Add(_k6);
        Options.Add(_script);
        Options.Add(_data);
        SetAction((parseResult, _) => RunAsync(parseResult, context));
    }

    private static Option<int> Seconds(string name, string description, int defaultValue) => new(name)
    {
        Description = description,
        HelpName = "S",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => CommonOptions.ParseInt(result, name, 1, 86_400, "a number of seconds") ?? 0,
    };

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context)
    {
        // Before anything starts: without k6 there is nothing to rehearse.
        var k6 = K6Locator.Find(parseResult.GetValue(_k6), context.GetEnvironmentVariable, context.ResolvePath);
        if (k6 is null)
        {
            await context.Error.WriteLineAsync(parseResult.GetValue(_k6) is { } given
                ? $"error: --k6 {context.ResolvePath(given)} is not an executable file. {K6Locator.HowToGetIt}"
                : "error: " + K6Locator.HowToGetIt);
            return ExitCodes.UsageError;
        }

        var binaries = ServiceBinaries.FromEnvironment(context);
        var script = parseResult.GetValue(_script) is { } file
            ? context.ResolvePath(file)
            : Path.GetFullPath(Path.Combine(binaries.BinRoot, "..", "..", "perf", "k6", "drop-spike.js"));
        if (!File.Exists(script))
        {
            throw new CliException($"The k6 script {script} does not exist; pass --script FILE.");
        }

        var data = parseResult.GetValue(_data) is { } directory
            ? context.ResolvePath(directory)
            : Path.Combine(Path.GetTempPath(), "edgecommerce-rehearse-" + context.TimeProvider.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        if (Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any())
        {
            throw new CliException($"{data} is not empty: a rehearsal starts from a fresh stack. Name an empty or new --data DIR.");
        }

        var plan = new RehearsalPlan(k6, script, parseResult.GetValue(_viewers), parseResult.GetValue(_ramp), parseResult.GetValue(_hold),
            parseResult.GetValue(_opensIn), parseResult.GetValue(_units), Path.Combine(data, "k6-summary.json"));
        var options = new UpOptions { DataDirectory = data, Edges = parseResult.GetValue(_edges) };
        await context.Out.WriteLineAsync($"Rehearsal: a fresh stack in {data} (service logs in {options.LogDirectory}), {plan.Viewers} viewers over {plan.RampSeconds} s, held {plan.HoldSeconds} s.");
        // The stack's own start-up lines would bury the report: only its errors and crashes show.
        var quiet = new CliContext
        {
            Out = TextWriter.Null,
            Error = context.Error,
            In = context.In,
            TimeProvider = context.TimeProvider,
            GetEnvironmentVariable = context.GetEnvironmentVariable,
            WorkingDirectory = context.WorkingDirectory,
        };
        return await new LocalStack(options, quiet, (endpoints, adminToken, cancellationToken) => RehearseAsync(plan, endpoints, adminToken, context, cancellationToken)).RunAsync();
    }

    private static async Task<int> RehearseAsync(RehearsalPlan plan, StackEndpoints endpoints, string adminToken, CliContext context, CancellationToken cancellationToken)
    {
        using var admin = new AdminClient(new Uri(endpoints.Origin), adminToken);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var dropId = "rehearsal-" + context.TimeProvider.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var startsAt = await ScheduleDropAsync(admin, plan, dropId, context.TimeProvider, cancellationToken);
        await context.Out.WriteLineAsync($"Stack ready: origin {endpoints.Origin}, edges {string.Join(", ", endpoints.Edges.Select(static e => e.Url))}.");
        await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Drop {dropId} of {Creator}: 3 SKUs × {plan.Units} units, opens {startsAt:HH:mm:ss} UTC. Running k6 ({plan.K6}) against {endpoints.Edges[0].Url}..."));
        await WaitForDropOnEdgesAsync(http, endpoints, dropId, cancellationToken);

        File.Delete(plan.SummaryPath);
        var k6ExitCode = await RunK6Async(plan, endpoints, adminToken, dropId, cancellationToken);
        var thresholds = File.Exists(plan.SummaryPath) ? K6Summary.ReadThresholds(await File.ReadAllTextAsync(plan.SummaryPath, cancellationToken)) : [];

        var edges = new List<(string, IReadOnlyList<RouteLatency>)>();
        foreach (var edge in endpoints.Edges)
        {
            edges.Add((edge.Id, EdgeLatency.Parse(await http.GetStringAsync(new Uri(edge.Url + "/metrics"), cancellationToken))));
        }

        var report = new RehearsalReport(k6ExitCode, thresholds, edges, await ReadOutcomeAsync(admin, dropId, cancellationToken));
        await context.Out.WriteLineAsync();
        await context.Out.WriteLineAsync(report.Format());
        return report.Failures().Count == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }

    /// <summary>Three SKUs of the demo creator's first product, opening <c>--opens-in</c> seconds from now, ending well after the hold.</summary>
    private static async Task<DateTimeOffset> ScheduleDropAsync(AdminClient admin, RehearsalPlan plan, string dropId, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var skus = DemoCatalogs.Create().First(static c => c.Id == Creator).Catalog.Products[0].Skus.Take(3).Select(static sku => sku.Id).ToList();
        var now = timeProvider.GetUtcNow();
        var startsAt = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(plan.OpensInSeconds + 1);
        // No early access: every viewer may reserve from the opening second, the spike the rehearsal is for.
        var body = new JsonObject
        {
            ["title"] = "Rehearsal drop",
            ["startsAt"] = startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["endsAt"] = startsAt.AddSeconds(plan.RampSeconds + plan.HoldSeconds).AddMinutes(10).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["perViewerLimit"] = 2,
            ["allocations"] = new JsonArray([.. skus.Select(sku => (JsonNode)new JsonObject { ["skuId"] = sku, ["units"] = plan.Units })]),
        }.ToJsonString();
        var response = await admin.PutAsync($"/admin/v1/creators/{Creator}/drops/{dropId}", body, cancellationToken);
        if (!response.IsSuccess)
        {
            throw new CliException("The origin refused the rehearsal drop:" + Environment.NewLine + ProblemReport.Format(response));
        }

        return startsAt;
    }

    private static async Task WaitForDropOnEdgesAsync(HttpClient http, StackEndpoints endpoints, string dropId, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var edge in endpoints.Edges)
        {
            while (true)
            {
                using (var response = await http.GetAsync(new Uri($"{edge.Url}/v1/drops/{dropId}"), cancellationToken))
                {
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new CliException($"{edge.Id} did not receive drop {dropId} within 60 s; see its log.");
                }

                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Runs k6 with this console (its progress shows live). The targets and the operator token go
    /// in its environment (k6 reads them as __ENV), never on its command line.
    /// </summary>
    private static async Task<int> RunK6Async(RehearsalPlan plan, StackEndpoints endpoints, string adminToken, string dropId, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(plan.K6) { UseShellExecute = false };
        foreach (var argument in new[] { "run", "--summary-export=" + plan.SummaryPath, plan.Script })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["EDGE_URL"] = endpoints.Edges[0].Url;
        info.Environment["ORIGIN_URL"] = endpoints.Origin;
        info.Environment["ADMIN_TOKEN"] = adminToken;
        info.Environment["DROP"] = dropId;
        info.Environment["DROP_CREATOR"] = Creator;
        info.Environment["VIEWERS"] = plan.Viewers.ToString(CultureInfo.InvariantCulture);
        info.Environment["TOKENS"] = Math.Min(plan.Viewers, 2000).ToString(CultureInfo.InvariantCulture);
        info.Environment["RAMP"] = plan.RampSeconds.ToString(CultureInfo.InvariantCulture) + "s";
        info.Environment["HOLD"] = plan.HoldSeconds.ToString(CultureInfo.InvariantCulture) + "s";
        using var process = Process.Start(info) ?? throw new CliException($"Unable to start {plan.K6}.");
        await process.WaitForExitOrKillAsync(cancellationToken);

        return process.ExitCode;
    }

    /// <summary>Sold and oversold per SKU from the origin: the drop's own counts, and its confirmed sales if they say more.</summary>
    private static async Task<DropOutcome> ReadOutcomeAsync(AdminClient admin, string dropId, CancellationToken cancellationToken)
    {
        var drop = await admin.GetAsync($"/admin/v1/creators/{Creator}/drops/{dropId}", cancellationToken);
        var sales = await admin.GetAsync($"/admin/v1/creators/{Creator}/drops/{dropId}/sales", cancellationToken);
        if (!drop.IsSuccess)
        {
            throw new CliException("Unable to read the drop's outcome:" + Environment.NewLine + ProblemReport.Format(drop));
        }

        var soldPerSku = new Dictionary<string, long>(StringComparer.Ordinal);
        if (sales.IsSuccess)
        {
            using var salesJson = JsonDocument.Parse(sales.Body);
            foreach (var sale in CliOutput.Items(salesJson.RootElement, "sales"))
            {
                var sku = CliOutput.Text(sale, "skuId");
                soldPerSku[sku] = soldPerSku.GetValueOrDefault(sku) + (sale.TryGetProperty("quantity", out var q) && q.TryGetInt64(out var n) ? n : 1);
            }
        }

        using var dropJson = JsonDocument.Parse(drop.Body);
        long allocation = 0, sold = 0, oversold = 0;
        foreach (var sku in CliOutput.Items(dropJson.RootElement, "skus"))
        {
            var allocated = sku.GetProperty("allocation").GetInt64();
            var units = Math.Max(sku.GetProperty("sold").GetInt64(), soldPerSku.GetValueOrDefault(CliOutput.Text(sku, "skuId")));
            allocation += allocated;
            sold += units;
            oversold += Math.Max(0, units - allocated);
        }

        return new DropOutcome(dropId, allocation, sold, oversold);
    }
}

/// <summary>What one rehearsal runs.</summary>
/// <param name="SummaryPath">Where k6 exports its end-of-test summary (kept beside the logs).</param>
internal sealed record RehearsalPlan(string K6, string Script, int Viewers, int RampSeconds, int HoldSeconds, int OpensInSeconds, int Units, string SummaryPath);
