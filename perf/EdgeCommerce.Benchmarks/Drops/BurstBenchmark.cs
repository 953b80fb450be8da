using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime;
using System.Text;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Benchmarks.Drops;

/// <summary>
/// <c>burst</c>: the opening second of a drop. One origin and two edges; per round and
/// per burst size N, a fresh drop of N units opens a few seconds after it is created, and at the
/// open N viewers (half on each edge, connections already open) each reserve one unit at the same
/// moment. Reports each reservation's latency (send → whole answer), the answers, and the origin's
/// lease calls and lease write transactions per reserved unit (from its <c>/metrics</c>); then the
/// steady-state loop of the <c>reservations</c> benchmark on the same processes, so both figures
/// come from one build under one load.
/// </summary>
internal static class BurstBenchmark
{
    private const string Creator = "burst-creator";
    private const string Sku = "burst-sku";
    private const string SteadyDrop = "burst-steady";

    public static async Task<int> RunAsync(BenchArguments args, CancellationToken cancellationToken)
    {
        var sizes = args.Ints("burst", [100, 1000]);
        var rounds = args.Int("rounds", 3, min: 1);
        var openIn = args.Int("open-in", 8, min: 2);
        var steadySeconds = args.Int("steady-seconds", 5);
        var steadyClients = args.Int("steady-clients", 16, min: 1);
        // 6 s per edge: on 2 CPUs freshly started edges compile their tier-1 code for seconds, and
        // an unwarmed first burst measured the JIT (the reservations benchmark saw the same).
        var warmup = args.Int("warmup-seconds", 6);
        var save = !args.Flag("no-save");
        // Per round: when each request left the client and how long each edge took (lease calls
        // per edge), so a slow burst can be told apart as client, edge CPU or waiting for stock.
        var diagnose = args.Flag("diagnose");
        // With --diagnose: the methods each edge's JIT compiled over each burst (the runtime's
        // DOTNET_JitDisasmSummary, written to a file per edge), to name the code tiering up at an open.
        var jitLog = args.Flag("jit-log");
        var originAssembly = args.All("origin").SingleOrDefault() is { } o ? Path.GetFullPath(o) : null;
        var edgeAssembly = args.All("edge").SingleOrDefault() is { } e ? Path.GetFullPath(e) : null;
        var originSettings = args.All("origin-setting");
        var edgeSettings = args.All("edge-setting");
        // NAME=VALUE environment variables for the edge processes only (e.g. the runtime's DOTNET_ knobs, to compare).
        var edgeEnvironment = args.All("edge-env").Select(static pair => pair.Split('=', 2)).ToArray();
        args.EnsureAllRead();
        foreach (var path in new[] { originAssembly, edgeAssembly })
        {
            if (path is not null && !File.Exists(path))
            {
                throw new ArgumentException($"{path}: no such file.");
            }
        }

        var started = TimeProvider.System.GetUtcNow();
        var loadAtStart = MachineInfo.LoadAverage;
        Console.WriteLine($"burst: N = {string.Join(", ", sizes)}, {rounds} rounds, open {openIn} s after the PUT; load {loadAtStart}");
        using var data = new TempDirectory("edgecommerce-bench-burst");
        await using var origin = await OriginHost.StartAsync(data.Combine("origin"), originSettings, cancellationToken, originAssembly);
        // The waiting room is off and the rate limits never refuse: this measures stock, not
        // admission (a 202 is not a reservation) nor the limiter.
        string[] common = ["Drops:Admission:Enabled=false",
            "RateLimits:ViewerBurst=1000000", "RateLimits:ViewerPerSecond=1000000", "RateLimits:CreatorBurst=1000000", "RateLimits:CreatorPerSecond=1000000",
            .. edgeSettings];
        await using var edgeA = new EdgeHost("burst-a", origin, data.Combine("a"), common, edgeAssembly);
        await using var edgeB = new EdgeHost("burst-b", origin, data.Combine("b"), common, edgeAssembly);
        EdgeHost[] edges = [edgeA, edgeB];
        var jitLogs = new JitLog[edges.Length];
        for (var i = 0; i < edges.Length; i++)
        {
            jitLogs[i] = new JitLog(jitLog ? data.Combine($"jit-{edges[i].Id}.txt") : null);
            using (jitLogs[i].ForChild())
            {
                foreach (var pair in edgeEnvironment)
                {
                    Environment.SetEnvironmentVariable(pair[0], pair[1]);
                }

                await edges[i].StartAsync();
                foreach (var pair in edgeEnvironment)
                {
                    Environment.SetEnvironmentVariable(pair[0], null);
                }
            }
        }

        foreach (var edge in edges)
        {
            await edge.WaitUntilReadyAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(120), cancellationToken);
        }

        await origin.PutSkuCatalogAsync(Creator, Sku, cancellationToken);
        var viewers = await MintViewersAsync(origin, Math.Max(sizes.Max(), steadyClients), cancellationToken);
        var steadyFrom = DateTimeOffset.UtcNow.AddMinutes(-1);
        await origin.PutDropAsync(Creator, SteadyDrop, "Burst drop", steadyFrom, steadyFrom.AddHours(2), perViewerLimit: 100, Sku, units: 1_000_000, cancellationToken);
        var steadyTokens = viewers[..steadyClients];
        foreach (var edge in edges)
        {
            await edge.WaitForDropAsync(SteadyDrop, cancellationToken);
            await SteadyAsync(edge, steadyTokens, TimeSpan.FromSeconds(warmup), cancellationToken);
        }

        // One burst of the smallest size, not measured: the burst's own paths (refills, placement) warm too.
        await BurstAsync(origin, edges, viewers.AsMemory(0, sizes.Min()), "burst-warmup", openIn, cancellationToken);
        var results = sizes.ToDictionary(static n => n, static _ => new List<BurstRound>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var n in sizes)
            {
                foreach (var log in jitLogs)
                {
                    log.Skip();
                }

                var result = await BurstAsync(origin, edges, viewers.AsMemory(0, n), $"burst-{n}-r{round + 1}", openIn, cancellationToken);
                results[n].Add(result);
                var summary = LatencySummary.From(result.Latencies);
                Console.WriteLine($"  round {round + 1} N={n}: {result.Reserved} reserved, {summary.Cells} ms, answers {result.Answers}, lease calls {result.LeaseCalls}, lease writes {Writes(result)}, last 201 {result.LastCreatedMs:0} ms after the open");
                if (diagnose)
                {
                    Console.WriteLine(result.Diagnosis);
                    for (var i = 0; i < edges.Length; i++)
                    {
                        if (jitLogs[i].Enabled)
                        {
                            Console.WriteLine($"    edge {i} JIT over the round: {jitLogs[i].Next()}");
                        }
                    }
                }
            }
        }

        await SteadyAsync(edgeA, steadyTokens, TimeSpan.FromSeconds(2), cancellationToken);
        var steady = steadySeconds > 0 ? await SteadyAsync(edgeA, steadyTokens, TimeSpan.FromSeconds(steadySeconds), cancellationToken) : [];

        var report = Report(args, sizes, rounds, openIn, warmup, started, loadAtStart, originAssembly, edgeAssembly, results, steady, steadyClients, steadySeconds);
        Console.WriteLine();
        Console.WriteLine(report);
        if (save)
        {
            ResultsFile.Append(report);
            Console.WriteLine($"Appended to {ResultsFile.Path}");
        }

        return 0;
    }

    private sealed record BurstRound(int Buyers, List<double> Latencies, int Reserved, string Answers, long LeaseCalls, long? LeaseWrites, double LastCreatedMs, string Diagnosis);

    private static async Task<BurstRound> BurstAsync(OriginHost origin, EdgeHost[] edges, ReadOnlyMemory<string> viewers, string dropId, int openIn, CancellationToken cancellationToken)
    {
        // Whole seconds: the drop document's times have no fraction.
        var startsAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + openIn + 1);
        await origin.PutDropAsync(Creator, dropId, "Burst drop", startsAt, startsAt.AddHours(2), perViewerLimit: 1, Sku, units: viewers.Length, cancellationToken);
        foreach (var edge in edges)
        {
            await edge.WaitForDropAsync(dropId, cancellationToken);
        }

        // One open connection per buyer, as on viewers' pages that already loaded the drop.
        var perEdge = (viewers.Length + edges.Length - 1) / edges.Length;
        var clients = edges.Select(edge => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = perEdge, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = edge.Address,
            Timeout = TimeSpan.FromSeconds(60),
        }).ToArray();
        try
        {
            await Task.WhenAll(clients.SelectMany(client => Enumerable.Range(0, perEdge).Select(async _ =>
            {
                using var response = await client.GetAsync($"/v1/drops/{dropId}", cancellationToken);
                response.EnsureSuccessStatusCode();
            })));

            var (callsBefore, writesBefore) = await ScrapeLeaseCountersAsync(origin, cancellationToken);
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var opened = 0L;
            var tasks = new Task<(HttpStatusCode Status, double Took, double FromOpen, double SentFromOpen, int Edge)>[viewers.Length];
            var acquiredBefore = await Task.WhenAll(edges.Select(edge => ScrapeEdgeLeasesAsync(edge, cancellationToken)));
            for (var i = 0; i < viewers.Length; i++)
            {
                var edgeIndex = i % clients.Length;
                var client = clients[edgeIndex];
                var token = viewers.Span[i];
                var key = $"{dropId}-{i}";
                tasks[i] = Task.Run(async () =>
                {
                    using var reserve = new HttpRequestMessage(HttpMethod.Post, $"/v1/drops/{dropId}/reservations")
                    {
                        Content = new StringContent($$"""{"skuId":"{{Sku}}","quantity":1}""", Encoding.UTF8, "application/json"),
                    };
                    reserve.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    reserve.Headers.Add("Idempotency-Key", key);
                    await go.Task;
                    var sent = Stopwatch.GetTimestamp();
                    using var response = await client.SendAsync(reserve, cancellationToken);
                    await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    var done = Stopwatch.GetTimestamp();
                    var open = Interlocked.Read(ref opened);
                    return (response.StatusCode, Stopwatch.GetElapsedTime(sent, done).TotalMilliseconds, Stopwatch.GetElapsedTime(open, done).TotalMilliseconds,
                        Stopwatch.GetElapsedTime(open, sent).TotalMilliseconds, edgeIndex);
                }, cancellationToken);
            }

            // The processes' counters 50 ms before the open (after what an edge does 100 ms before it):
            // what they count by the end is the open's and the burst's.
            var early = startsAt.AddMilliseconds(-50) - DateTimeOffset.UtcNow;
            if (early > TimeSpan.Zero)
            {
                await Task.Delay(early, cancellationToken);
            }

            var readingsBefore = await Task.WhenAll(edges.Select(edge => BurstReading.OfEdgeAsync(edge, cancellationToken)));
            int[] processIds = [.. edges.Select(static edge => edge.ProcessId), origin.ProcessId, Environment.ProcessId];

            // 20 ms after the open on this machine's clock (the edges share it), so no answer is "not open yet".
            var wait = startsAt.AddMilliseconds(20) - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            // The client's own garbage collection stays out of the burst: --diagnose showed a gen0 GC of
            // this process in nearly every burst (1.5-7.5 ms, every thread stopped, so every answer in
            // flight was read late and timed as the edges' latency).
            var noGc = StartNoGcRegion(viewers.Length);
            var clientBefore = BurstReading.OfClient();
            // Read at the go (a few ms of /proc reads, before the clock starts): the threads' work over the burst itself.
            var threadsBefore = processIds.Select(ThreadTimes.Of).ToArray();
            Interlocked.Exchange(ref opened, Stopwatch.GetTimestamp());
            go.SetResult();
            var answers = await Task.WhenAll(tasks);
            var clientAfter = BurstReading.OfClient();
            EndNoGcRegion(noGc);
            var threadsAfter = processIds.Select(ThreadTimes.Of).ToArray();
            // Leases are granted before the answers they serve: nothing more is counted by waiting.
            var (callsAfter, writesAfter) = await ScrapeLeaseCountersAsync(origin, cancellationToken);
            var acquiredAfter = await Task.WhenAll(edges.Select(edge => ScrapeEdgeLeasesAsync(edge, cancellationToken)));
            var readingsAfter = await Task.WhenAll(edges.Select(edge => BurstReading.OfEdgeAsync(edge, cancellationToken)));
            var created = answers.Where(static a => a.Status == HttpStatusCode.Created).ToArray();
            var diagnosis = new StringBuilder();
            var sentOffsets = LatencySummary.From([.. answers.Select(static a => a.SentFromOpen)]);
            diagnosis.Append(CultureInfo.InvariantCulture, $"    sent after the go (client): {sentOffsets.Cells} ms");
            for (var e = 0; e < edges.Length; e++)
            {
                var mine = LatencySummary.From([.. answers.Where(a => a.Edge == e).Select(static a => a.Took)]);
                diagnosis.Append(CultureInfo.InvariantCulture, $"; edge {e}: {mine.Cells} ms, refills {acquiredAfter[e].Leases - acquiredBefore[e].Leases} ({acquiredAfter[e].Units - acquiredBefore[e].Units} units)");
            }

            for (var e = 0; e < edges.Length; e++)
            {
                var fromOpen = LatencySummary.From([.. answers.Where(a => a.Edge == e).Select(static a => a.FromOpen)]);
                diagnosis.Append(CultureInfo.InvariantCulture, $"\n    edge {e}: answers from the go {fromOpen.Cells} ms; {readingsAfter[e].Since(readingsBefore[e])}");
                diagnosis.Append(CultureInfo.InvariantCulture, $"\n      {threadsAfter[e].Since(threadsBefore[e])}");
            }

            diagnosis.Append(CultureInfo.InvariantCulture, $"\n    origin: {threadsAfter[^2].Since(threadsBefore[^2])}");
            diagnosis.Append(CultureInfo.InvariantCulture, $"\n    client: {clientAfter.Since(clientBefore)}\n      {threadsAfter[^1].Since(threadsBefore[^1])}");
            var tally = string.Join(", ", answers.GroupBy(static a => (int)a.Status).OrderBy(static g => g.Key).Select(static g => $"{g.Count()}×{g.Key}"));
            return new BurstRound(viewers.Length, [.. created.Select(static a => a.Took)], created.Length, tally, callsAfter - callsBefore,
                writesAfter is { } w && writesBefore is { } wb ? w - wb : null, created.Length == 0 ? double.NaN : created.Max(static a => a.FromOpen), diagnosis.ToString());
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>
    /// Asks the runtime for no collection until <see cref="EndNoGcRegion"/> (it collects now if it
    /// must to guarantee it): 64 KiB per buyer is many times what one reservation costs the client.
    /// False when the runtime refuses the size.
    /// </summary>
    private static bool StartNoGcRegion(int buyers)
    {
        try
        {
            return GC.TryStartNoGCRegion(Math.Max(16L << 20, buyers * (64L << 10)));
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static void EndNoGcRegion(bool started)
    {
        if (started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            // Throws when the region was left by a collection (more was allocated than asked for): nothing to end then.
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    /// <summary>The reservations benchmark's loop on this benchmark's always-open drop.</summary>
    private static async Task<List<double>> SteadyAsync(EdgeHost edge, string[] tokens, TimeSpan duration, CancellationToken cancellationToken)
        => (await ReservationBenchmark.LoadAsync(edge, tokens, duration, cancellationToken, SteadyDrop, Sku)).Latencies;

    /// <summary>
    /// The origin's lease requests (<c>edgecommerce.drops.leases</c>, every outcome) and lease write
    /// transactions (<c>edgecommerce.drops.lease.commits</c>; null on a build without it, where each
    /// lease request is its own transaction).
    /// </summary>
    private static async Task<(long Calls, long? Writes)> ScrapeLeaseCountersAsync(OriginHost origin, CancellationToken cancellationToken)
    {
        var text = await origin.Admin.GetStringAsync("/metrics", cancellationToken);
        long calls = 0;
        long? writes = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var name = line[..line.IndexOfAny(['{', ' '])];
            var value = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
            if (name == "edgecommerce_drops_leases_total")
            {
                calls += (long)double.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (name == "edgecommerce_drops_lease_commits_total")
            {
                writes = (writes ?? 0) + (long)double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return (calls, writes);
    }

    /// <summary>The edge's leases and units acquired (<c>edgecommerce.drops.leases.acquired</c>, <c>edgecommerce.drops.leases.units</c>) from its <c>/metrics</c>.</summary>
    private static async Task<(long Leases, long Units)> ScrapeEdgeLeasesAsync(EdgeHost edge, CancellationToken cancellationToken)
    {
        var text = await edge.Http.GetStringAsync("/metrics", cancellationToken);
        long leases = 0, units = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var name = line[..line.IndexOfAny(['{', ' '])];
            var value = (long)double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], CultureInfo.InvariantCulture);
            if (name == "edgecommerce_drops_leases_acquired_total")
            {
                leases += value;
            }
            else if (name == "edgecommerce_drops_leases_units_total")
            {
                units += value;
            }
        }

        return (leases, units);
    }

    private static async Task<string[]> MintViewersAsync(OriginHost origin, int count, CancellationToken cancellationToken)
    {
        var tokens = new string[count];
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                tokens[i] = await origin.MintTokenAsync($"burst-viewer-{i}", Creator, ["drop:reserve"], "edge", cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
        return tokens;
    }

    private static string Writes(BurstRound round) => round.LeaseWrites?.ToString(CultureInfo.InvariantCulture) ?? "n/a";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(static v => !double.IsNaN(v)).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Report(BenchArguments args, IReadOnlyList<int> sizes, int rounds, int openIn, int warmup, DateTimeOffset started, string loadAtStart, string? originAssembly, string? edgeAssembly,
        Dictionary<int, List<BurstRound>> results, List<double> steady, int steadyClients, int steadySeconds)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## burst — {started:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {MachineInfo.Describe()}; {Repository.Configuration} build");
        text.AppendLine(CultureInfo.InvariantCulture, $"- load average at start: {loadAtStart}; at the end: {MachineInfo.LoadAverage}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {args.CommandLine}`");
        if (originAssembly is not null || edgeAssembly is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- builds: origin `{originAssembly ?? "this build"}`, edges `{edgeAssembly ?? "this build"}`");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"- one origin (SQLite, synchronous=FULL, default drop options) and two edges (default drop options, waiting room off, rate limits raised) on this machine; first {warmup} s of the steady loop below on each edge and one unmeasured burst; then per round and N a new drop of N units opens {openIn}-{openIn + 1} s after its PUT; at the open (+20 ms) N viewers, half on each edge with their connection already open, each reserve one unit at once (send → whole answer, 201s only)");
        text.AppendLine("- lease calls / writes: the origin's `edgecommerce.drops.leases` (every outcome) and `edgecommerce.drops.lease.commits` (lease write transactions; n/a: a build where each call is its own transaction) over the burst, pre-positioned leases included; per 100 reserved units");
        text.AppendLine(CultureInfo.InvariantCulture, $"- steady state: afterwards, {steadyClients} clients loop POST reservation (timed) + DELETE on one edge of the same processes for {steadySeconds} s (after 2 s more of warm-up), an always-open drop");
        text.AppendLine();
        text.AppendLine("| N | rounds | reserved (median) | p50 ms | p95 ms | p99 ms | max ms | last 201 after the open, ms | lease calls per 100 units | lease writes per 100 units | answers per round | p50/p95 per round |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (var n in sizes)
        {
            var list = results[n];
            var summaries = list.Select(static r => LatencySummary.From(r.Latencies)).ToList();
            var calls = Median(list.Select(static r => r.Reserved == 0 ? double.NaN : 100.0 * r.LeaseCalls / r.Reserved));
            var writes = list.All(static r => r.LeaseWrites is not null) ? Median(list.Select(static r => r.Reserved == 0 ? double.NaN : 100.0 * r.LeaseWrites!.Value / r.Reserved)) : double.NaN;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {n} | {list.Count} | {Median(list.Select(static r => (double)r.Reserved)):0} | {LatencySummary.Ms(Median(summaries.Select(static s => s.P50)))} | {LatencySummary.Ms(Median(summaries.Select(static s => s.P95)))} | {LatencySummary.Ms(Median(summaries.Select(static s => s.P99)))} | {LatencySummary.Ms(Median(summaries.Select(static s => s.Max)))} | {Median(list.Select(static r => r.LastCreatedMs)):0} | {calls:0.0} | {(double.IsNaN(writes) ? "n/a" : writes.ToString("0.0", CultureInfo.InvariantCulture))} | {string.Join("; ", list.Select(static r => r.Answers))} | {string.Join(", ", summaries.Select(static s => $"{LatencySummary.Ms(s.P50)}/{LatencySummary.Ms(s.P95)}"))} |");
        }

        var steadySummary = LatencySummary.From(steady);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Steady state (same processes): {steadySummary.Count} reservations, p50 {LatencySummary.Ms(steadySummary.P50)} ms, p95 {LatencySummary.Ms(steadySummary.P95)} ms, p99 {LatencySummary.Ms(steadySummary.P99)} ms. Medians over rounds above.");
        return text.ToString();
    }
}
