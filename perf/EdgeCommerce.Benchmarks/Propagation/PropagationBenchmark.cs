using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Benchmarks.Propagation;

/// <summary>
/// <c>propagation</c>: how long an admin's catalog write takes to be visible on every edge. For
/// each edge count: one origin and N edges as real processes on fresh data; for each write, the
/// edges' status long-polls (<c>minRevision</c>) are parked first, then the PUT is sent; t0 is the
/// arrival of its 200, and each edge's latency is the arrival of its long-poll answer minus t0.
/// After each write one edge's widget must show the revision (not timed).
/// </summary>
internal static class PropagationBenchmark
{
    private static readonly TimeSpan s_writeTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(BenchArguments args, CancellationToken cancellationToken)
    {
        var options = new PropagationOptions(
            args.Ints("edges", [1, 4, 16]),
            args.Int("writes", 200, min: 1),
            args.Int("warmup", 20),
            args.Int("creators", 4, min: 1),
            args.Int("products", 10, min: 1),
            args.Int("skus", 3, min: 1),
            args.Int("park-ms", 20),
            args.Int("pause-ms", 0),
            args.Flag("probe"),
            args.All("edge-setting"),
            args.All("origin-setting"));
        var save = !args.Flag("no-save");
        var environment = args.All("env");
        Environments.Add(environment);
        args.EnsureAllRead();

        var started = TimeProvider.System.GetUtcNow();
        var loadAtStart = MachineInfo.LoadAverage;
        Console.WriteLine($"propagation: edges {string.Join(',', options.EdgeCounts)}, {options.Writes} writes after {options.Warmup} warm-up; {Repository.Configuration} build; load {loadAtStart}");
        var results = new List<PropagationResult>();
        var incidents = new List<string>();
        foreach (var edges in options.EdgeCounts)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    results.Add(await RunOnceAsync(edges, options, cancellationToken));
                    break;
                }
                catch (Exception ex) when (attempt < 2 && !cancellationToken.IsCancellationRequested && ex is not ArgumentException)
                {
                    // A shared machine: a run can fail for reasons outside this code (a process of ours
                    // gone, a port taken). Say so in the results and run that edge count once more.
                    Console.WriteLine($"  {edges} edge(s), attempt {attempt} failed: {ex}");
                    incidents.Add($"{edges} edge(s): attempt {attempt} failed and was rerun: {ex.GetType().Name}: {FirstLine(ex.Message)}");
                }
            }
        }

        var report = Report(args, options, started, loadAtStart, results, incidents);
        Console.WriteLine();
        Console.WriteLine(report);
        if (save)
        {
            ResultsFile.Append(report);
            Console.WriteLine($"Appended to {ResultsFile.Path}");
        }
        return 0;
    }

    private static async Task<PropagationResult> RunOnceAsync(int edgeCount, PropagationOptions options, CancellationToken cancellationToken)
    {
        using var data = new TempDirectory("edgecommerce-bench");
        await using var origin = await OriginHost.StartAsync(data.Combine("origin"), options.OriginSettings, cancellationToken);
        var creators = Enumerable.Range(0, options.Creators).Select(static i => $"bench-c{i}").ToArray();
        long head = 0;
        foreach (var creator in creators)
        {
            head = (await origin.PutCatalogAsync(creator, Catalog(creator, options, version: 0), cancellationToken)).Revision;
        }

        var edges = Enumerable.Range(0, edgeCount)
            .Select(i => new EdgeHost($"bench-e{i:D2}", origin, data.Combine($"edge-{i:D2}"), options.EdgeSettings))
            .ToList();
        try
        {
            // Two at a time: sixteen .NET processes starting at once on two cores only slows all of them.
            foreach (var pair in edges.Chunk(2))
            {
                foreach (var edge in pair)
                {
                    await edge.StartAsync();
                }

                foreach (var edge in pair)
                {
                    await edge.WaitUntilReadyAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(120), cancellationToken);
                }
            }

            // Every edge holds the seed and has written it to disk, so no start-up work overlaps the writes.
            foreach (var edge in edges)
            {
                var seeded = head;
                await edge.WaitForStatusAsync(s => s.GetProperty("persistedRevision") is { ValueKind: JsonValueKind.Number } p && p.GetInt64() >= seeded,
                    TimeSpan.FromSeconds(60), "holding and persisting the seed", cancellationToken);
            }

            await using var probe = options.Probe ? ChangeProbe.Start(origin.GrpcAddress, head) : null;
            // Two idle seconds: what the processes burn with nothing to do (heartbeats, timers, tiering).
            var idle = await MeasureIdleAsync(origin, edges, cancellationToken);
            var loadBefore = MachineInfo.LoadAverage;
            Console.WriteLine($"  {edgeCount} edge(s) ready; load {loadBefore}; writing…");

            var samples = new List<PropagationSample>(options.Writes);
            var total = options.Warmup + options.Writes;
            CpuSnapshot? cpuStart = null;
            CpuPerWrite? idleWarm = null;
            for (var i = 0; i < total; i++)
            {
                if (i == options.Warmup)
                {
                    if (i > 0)
                    {
                        // Two idle seconds again, once warm: the steady background cost (heartbeats,
                        // timers), which the CPU per write below also pays while the writes run.
                        idleWarm = await MeasureIdleAsync(origin, edges, cancellationToken);
                    }

                    cpuStart = CpuSnapshot.Take(origin, edges);
                }

                var creator = creators[i % creators.Length];
                var json = Catalog(creator, options, version: i + 1);
                var expected = head + 1;
                var sample = await WriteOnceAsync(origin, edges, probe, creator, json, expected, options, cancellationToken);
                head = expected;
                await VerifyWidgetAsync(edges[i % edges.Count], creator, expected, cancellationToken);
                if (i >= options.Warmup)
                {
                    samples.Add(sample);
                }

                if ((i + 1) % 50 == 0)
                {
                    Console.WriteLine($"  {i + 1}/{total} writes; last: all {LatencySummary.Ms(sample.All)} ms, PUT {LatencySummary.Ms(sample.Put)} ms");
                }

                if (options.PauseMilliseconds > 0)
                {
                    await Task.Delay(options.PauseMilliseconds, cancellationToken);
                }
            }

            var cpu = CpuSnapshot.Take(origin, edges).PerWriteSince(cpuStart!, options.Writes);
            var loadAfter = MachineInfo.LoadAverage;
            var edgeMemory = edges.Select(static e => e.ResidentBytes).ToList();
            var originMemory = ProcessMemory.ResidentBytes(origin.ProcessId);
            var atHead = await EdgesAtHeadAsync(origin, edges, head, cancellationToken);

            await Task.WhenAll(edges.Select(static e => e.StopAsync()));
            await origin.StopAsync();
            return new PropagationResult(edgeCount, samples, edges.Select(static e => e.Id).ToList(), edgeMemory, originMemory, loadBefore, loadAfter, atHead, cpu, idle, idleWarm);
        }
        finally
        {
            foreach (var edge in edges)
            {
                await edge.DisposeAsync();
            }
        }
    }

    /// <summary>CPU per second over two seconds with nothing written.</summary>
    private static async Task<CpuPerWrite> MeasureIdleAsync(OriginHost origin, List<EdgeHost> edges, CancellationToken cancellationToken)
    {
        var start = CpuSnapshot.Take(origin, edges);
        var clock = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        return CpuSnapshot.Take(origin, edges).PerSecondSince(start, Stopwatch.GetElapsedTime(clock));
    }

    private static async Task<PropagationSample> WriteOnceAsync(
        OriginHost origin, List<EdgeHost> edges, ChangeProbe? probe, string creator, byte[] json, long expected, PropagationOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_writeTimeout);
        // Park every edge's long-poll before the write, so an answer costs the edge one response, not a request too.
        var polls = edges.Select(e => e.WaitForRevisionAsync(expected, timeout.Token)).ToArray();
        if (options.ParkMilliseconds > 0)
        {
            await Task.Delay(options.ParkMilliseconds, cancellationToken);
        }

        var put = await origin.PutCatalogAsync(creator, json, cancellationToken);
        if (put.Revision != expected)
        {
            throw new InvalidOperationException($"The write landed as revision {put.Revision}, expected {expected}: is something else writing to this origin?");
        }

        long[] arrivals;
        try
        {
            arrivals = await Task.WhenAll(polls);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var failed = edges.Where((_, i) => !polls[i].IsCompletedSuccessfully).ToList();
            var exited = failed.Count(static e => e.ResidentBytes is null);
            throw new InvalidOperationException(
                $"Revision {expected} was not seen applied on {string.Join(", ", failed.Select(static e => e.Id))} ({exited} of them no longer running): {ex.GetType().Name}: {ex.Message}\n"
                + $"{string.Join("\n", failed.Select(static e => e.Describe()))}\norigin output:\n{origin.Output}", ex);
        }

        double? probeMs = null;
        if (probe is not null)
        {
            var probeAt = await probe.ArrivalAsync(expected).WaitAsync(s_writeTimeout, cancellationToken);
            probeMs = Milliseconds(put.Answered, probeAt);
        }

        return new PropagationSample(
            Milliseconds(put.Sent, put.Answered),
            arrivals.Select(a => Milliseconds(put.Answered, a)).ToArray(),
            Milliseconds(put.Sent, arrivals.Max()),
            probeMs);
    }

    /// <summary>Applied means visible: the widget cache is keyed by revision. Checked, not timed.</summary>
    private static async Task VerifyWidgetAsync(EdgeHost edge, string creator, long revision, CancellationToken cancellationToken)
    {
        using var response = await edge.Http.GetAsync($"/v1/creators/{creator}/widget", cancellationToken);
        response.EnsureSuccessStatusCode();
        var header = response.Headers.TryGetValues("X-Catalog-Revision", out var values) ? values.FirstOrDefault() : null;
        if (header is null || long.Parse(header, CultureInfo.InvariantCulture) < revision)
        {
            throw new InvalidOperationException($"Edge {edge.Id} applied revision {revision} but its widget for {creator} shows revision {header ?? "(none)"}.");
        }
    }

    /// <summary>How many of the edges the origin's registry (GET /admin/v1/edges) shows connected at the head.</summary>
    private static async Task<int> EdgesAtHeadAsync(OriginHost origin, List<EdgeHost> edges, long head, CancellationToken cancellationToken)
    {
        var ids = edges.Select(static e => e.Id).ToHashSet(StringComparer.Ordinal);
        var count = 0;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var list = JsonDocument.Parse(await origin.Admin.GetStringAsync("/admin/v1/edges", cancellationToken));
            count = list.RootElement.GetProperty("edges").EnumerateArray()
                .Count(e => ids.Contains(e.GetProperty("id").GetString()!) && e.GetProperty("connected").GetBoolean() && e.GetProperty("appliedRevision").GetInt64() == head);
            if (count == edges.Count)
            {
                break;
            }

            await Task.Delay(100, cancellationToken);
        }

        return count;
    }

    private static byte[] Catalog(string creator, PropagationOptions options, int version)
        => CatalogFactory.ToAdminJson(CatalogFactory.Build(creator, options.Products, options.Skus, version));

    private static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static string Report(BenchArguments args, PropagationOptions options, DateTimeOffset started, string loadAtStart, IReadOnlyList<PropagationResult> results, IReadOnlyList<string> incidents)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## propagation — {started:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {MachineInfo.Describe()}; {Repository.Configuration} build");
        text.AppendLine(CultureInfo.InvariantCulture, $"- load average at start: {loadAtStart}; at the end: {MachineInfo.LoadAverage}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {args.CommandLine}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- each write: one of {options.Creators} creators, {options.Products} products × {options.Skus} SKUs; {options.Writes} writes measured after {options.Warmup} warm-up; long-polls parked {options.ParkMilliseconds} ms before the PUT; pause between writes {options.PauseMilliseconds} ms");
        if (options.EdgeSettings.Count + options.OriginSettings.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- settings: edge {string.Join(' ', options.EdgeSettings)}; origin {string.Join(' ', options.OriginSettings)}");
        }

        foreach (var incident in incidents)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- incident: {incident}");
        }

        text.AppendLine();
        text.AppendLine("Milliseconds after the admin's PUT got its 200 until the write was applied (hence visible) on the last / first edge; nearest-rank percentiles over the measured writes.");
        text.AppendLine();
        text.AppendLine("| edges | all p50 | all p95 | all p99 | all max | any p50 | any p95 | any p99 | any max | PUT p50 | PUT p95 | PUT p99 | PUT max | edge RSS MiB (median, max) | load 1/5/15 before → after |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in results)
        {
            var rss = r.EdgeResidentBytes.Where(static b => b is not null).Select(static b => b!.Value).Order().ToArray();
            var rssText = rss.Length == 0 ? "n/a" : $"{ProcessMemory.Mib(rss[rss.Length / 2])}, {ProcessMemory.Mib(rss[^1])}";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Edges} | {r.All.Cells} | {r.Any.Cells} | {r.Put.Cells} | {rssText} | {r.LoadBefore} → {r.LoadAfter} |");
        }

        foreach (var r in results)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"### {r.Edges} edge(s): details");
            text.AppendLine();
            text.AppendLine("| measure (ms) | p50 | p95 | p99 | max |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| last edge applied, after the 200 | {r.All.Cells} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| first edge applied, after the 200 | {r.Any.Cells} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| last edge applied, from the PUT sent | {r.AllFromSend.Cells} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| admin PUT, sent → 200 | {r.Put.Cells} |");
            if (r.Probe is { } probe)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| bare gRPC subscriber (probe) received it, after the 200 | {probe.Cells} |");
            }

            text.AppendLine();
            var edgeWrites = r.Samples.Count * r.Edges;
            text.AppendLine(CultureInfo.InvariantCulture, $"- edge-writes already applied when the 200 arrived (counted as 0 ms): {r.AheadOfAcknowledgement} of {edgeWrites}");
            text.AppendLine(CultureInfo.InvariantCulture, $"- origin's registry (GET /admin/v1/edges) after the run: {r.EdgesAtHeadInOriginView} of {r.Edges} edges connected at the head");
            var c = r.Cpu;
            text.AppendLine(CultureInfo.InvariantCulture, $"- CPU per measured write (/proc, 10 ms ticks averaged over the run): origin {c.Origin:0.00} ms, {r.Edges} edge(s) {c.Edges:0.00} ms ({c.Edges / r.Edges:0.00} each), this benchmark client {c.Client:0.00} ms; the machine's {MachineInfo.Cpus} CPUs were busy {c.MachineBusy:0.00} of {c.MachineTotal:0.00} ms per write, {Math.Max(0, c.MachineBusy - c.Origin - c.Edges - c.Client):0.00} ms of it other work");
            text.AppendLine(CultureInfo.InvariantCulture, $"- CPU while idle before the writes (ms per second): origin {r.Idle.Origin:0.0}, edges {r.Idle.Edges:0.0} ({r.Idle.Edges / r.Edges:0.0} each), machine busy {r.Idle.MachineBusy:0} of {r.Idle.MachineTotal:0}");
            if (r.IdleWarm is { } warm)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- CPU while idle after the warm-up (ms per second): origin {warm.Origin:0.0}, edges {warm.Edges:0.0} ({warm.Edges / r.Edges:0.0} each), machine busy {warm.MachineBusy:0} of {warm.MachineTotal:0}");
            }
            text.AppendLine(CultureInfo.InvariantCulture, $"- RSS after the run: origin {ProcessMemory.Mib(r.OriginResidentBytes)} MiB; edges {string.Join(", ", r.EdgeIds.Select((id, i) => $"{id[^2..]} {ProcessMemory.Mib(r.EdgeResidentBytes[i])}"))} MiB");
            text.AppendLine(CultureInfo.InvariantCulture, $"- per edge p50/p95 (ms): {string.Join(", ", r.EdgeIds.Select((id, i) => $"{id[^2..]} {LatencySummary.Ms(r.Edge(i).P50)}/{LatencySummary.Ms(r.Edge(i).P95)}"))}");
        }

        return text.ToString();
    }
}
