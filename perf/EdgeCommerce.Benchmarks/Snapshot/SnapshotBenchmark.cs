using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Tests.Common;
using Google.Protobuf;

namespace EdgeCommerce.Benchmarks.Snapshot;

/// <summary>
/// <c>snapshot</c>: what a large catalog costs an edge. Fills one origin with creators × products ×
/// SKUs through the admin API, then, per repetition: starts an edge against an empty origin
/// (baseline: process start-up alone), a fresh edge against the full origin (cold: start-up plus
/// the chunked snapshot), and restarts that edge from its persisted replica (warm). Each is timed
/// from process start to <c>/readyz</c> 200; RSS is read from /proc once ready.
/// </summary>
internal static class SnapshotBenchmark
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromMinutes(5);

    public static async Task<int> RunAsync(BenchArguments args, CancellationToken cancellationToken)
    {
        var creators = args.Int("creators", 1000, min: 1);
        var products = args.Int("products", 10, min: 1);
        var skus = args.Int("skus", 10, min: 1);
        var repeat = args.Int("repeat", 3, min: 1);
        var parallel = args.Int("parallel", 4, min: 1);
        var edgeSettings = args.All("edge-setting");
        var originSettings = args.All("origin-setting");
        var save = !args.Flag("no-save");
        var environment = args.All("env");
        Environments.Add(environment);
        args.EnsureAllRead();

        var started = TimeProvider.System.GetUtcNow();
        var loadAtStart = MachineInfo.LoadAverage;
        var totalSkus = (long)creators * products * skus;
        Console.WriteLine($"snapshot: {creators} creators × {products} products × {skus} SKUs = {totalSkus:N0} SKUs; {repeat} repetitions; {Repository.Configuration} build; load {loadAtStart}");

        using var data = new TempDirectory("edgecommerce-bench");
        await using var empty = await OriginHost.StartAsync(data.Combine("origin-empty"), originSettings, cancellationToken);
        await using var full = await OriginHost.StartAsync(data.Combine("origin-full"), originSettings, cancellationToken);

        // Fill through the admin API, as an operator would.
        var fill = Stopwatch.StartNew();
        long jsonBytes = 0;
        long protobufBytes = 0;
        long head = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, creators), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"creator-{i:D5}");
            var catalog = CatalogFactory.Build(id, products, skus, version: 1);
            var json = CatalogFactory.ToAdminJson(catalog);
            var put = await full.PutCatalogAsync(id, json, ct);
            catalog.Revision = put.Revision;
            Interlocked.Add(ref jsonBytes, json.Length);
            // As a repeated field inside a chunk: the catalog plus its tag and length prefix.
            Interlocked.Add(ref protobufBytes, 1 + CodedOutputStream.ComputeLengthSize(catalog.CalculateSize()) + catalog.CalculateSize());
            InterlockedMax(ref head, put.Revision);
        });
        fill.Stop();
        Console.WriteLine($"  filled {creators} creators in {fill.Elapsed.TotalSeconds:0.0} s; head {head}; load {MachineInfo.LoadAverage}");

        var runs = new List<SnapshotRun>();
        for (var r = 1; r <= repeat; r++)
        {
            runs.Add(await RunOnceAsync(r, empty, full, data, head, creators, edgeSettings, cancellationToken));
            var last = runs[^1];
            Console.WriteLine($"  run {r}: baseline {last.Baseline.TotalSeconds:0.000} s, cold {last.Cold.TotalSeconds:0.000} s, warm {last.Warm.TotalSeconds:0.000} s; RSS cold {ProcessMemory.Mib(last.ColdRss)} MiB; load {last.Load}");
        }

        var originRss = ProcessMemory.ResidentBytes(full.ProcessId);
        await empty.StopAsync();
        await full.StopAsync();

        var report = Report(args, started, loadAtStart, creators, products, skus, totalSkus, fill.Elapsed, jsonBytes, protobufBytes, originRss, runs);
        Console.WriteLine();
        Console.WriteLine(report);
        if (save)
        {
            ResultsFile.Append(report);
            Console.WriteLine($"Appended to {ResultsFile.Path}");
        }
        return 0;
    }

    private static async Task<SnapshotRun> RunOnceAsync(int run, OriginHost empty, OriginHost full, TempDirectory data, long head, int creators, IReadOnlyList<string> edgeSettings, CancellationToken cancellationToken)
    {
        var load = MachineInfo.LoadAverage;

        // Baseline and cold alternate which goes first, so neither always pays for a cold page cache.
        (TimeSpan Ready, long? Rss) baseline = default;
        if (run % 2 == 1)
        {
            baseline = await BaselineAsync(run, empty, data, edgeSettings, cancellationToken);
        }

        await using var cold = new EdgeHost($"snap-full-{run}", full, data.Combine($"edge-full-{run}"), edgeSettings);
        await cold.StartAsync();
        var coldReady = await cold.WaitUntilReadyAsync(s_poll, s_readyTimeout, cancellationToken);
        var coldRss = cold.ResidentBytes;
        var status = await cold.GetStatusAsync(cancellationToken);
        if (status.GetProperty("appliedRevision").GetInt64() != head || status.GetProperty("creators").GetInt32() != creators)
        {
            throw new InvalidOperationException($"Edge {cold.Id} is ready but holds {status}; expected revision {head} with {creators} creators.");
        }

        await cold.WaitForStatusAsync(s => s.GetProperty("persistedRevision") is { ValueKind: JsonValueKind.Number } p && p.GetInt64() == head,
            TimeSpan.FromMinutes(2), "persisting the replica", cancellationToken);
        var persisted = Stopwatch.GetElapsedTime(cold.StartedAt);
        var settledRss = cold.ResidentBytes;
        var fileBytes = new FileInfo(Path.Combine(cold.DataDirectory, "replica.bin")).Length;
        await cold.StopAsync();

        // Warm: the same edge (same id and data directory) restarted; it serves from replica.bin at once.
        await cold.StartAsync();
        var warm = await cold.WaitUntilReadyAsync(s_poll, s_readyTimeout, cancellationToken);
        var warmRss = cold.ResidentBytes;
        status = await cold.GetStatusAsync(cancellationToken);
        if (status.GetProperty("restoredRevision") is not { ValueKind: JsonValueKind.Number } restored || restored.GetInt64() != head)
        {
            throw new InvalidOperationException($"Edge {cold.Id} restarted without its persisted replica: {status}");
        }

        await cold.StopAsync();
        if (run % 2 == 0)
        {
            baseline = await BaselineAsync(run, empty, data, edgeSettings, cancellationToken);
        }

        return new SnapshotRun(baseline.Ready, baseline.Rss, coldReady, coldRss, persisted, settledRss, fileBytes, warm, warmRss, load);
    }

    /// <summary>The same process against an empty origin (an empty snapshot): start-up alone.</summary>
    private static async Task<(TimeSpan Ready, long? Rss)> BaselineAsync(int run, OriginHost empty, TempDirectory data, IReadOnlyList<string> edgeSettings, CancellationToken cancellationToken)
    {
        await using var edge = new EdgeHost($"snap-empty-{run}", empty, data.Combine($"edge-empty-{run}"), edgeSettings);
        await edge.StartAsync();
        var ready = await edge.WaitUntilReadyAsync(s_poll, s_readyTimeout, cancellationToken);
        var rss = edge.ResidentBytes;
        await edge.StopAsync();
        return (ready, rss);
    }

    private static string Report(
        BenchArguments args, DateTimeOffset started, string loadAtStart, int creators, int products, int skus, long totalSkus,
        TimeSpan fill, long jsonBytes, long protobufBytes, long? originRss, IReadOnlyList<SnapshotRun> runs)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        string Seconds(Func<SnapshotRun, TimeSpan> pick)
            => $"{Median(runs.Select(r => pick(r).TotalSeconds)):0.000} | {string.Join(", ", runs.Select(r => pick(r).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)))}";

        string Mib(Func<SnapshotRun, long?> pick)
            => $"{ProcessMemory.Mib((long)Median(runs.Select(r => (double)(pick(r) ?? 0))))} | {string.Join(", ", runs.Select(r => ProcessMemory.Mib(pick(r))))}";

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## snapshot — {started:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {MachineInfo.Describe()}; {Repository.Configuration} build");
        text.AppendLine(CultureInfo.InvariantCulture, $"- load average at start: {loadAtStart}; per run: {string.Join("; ", runs.Select(static r => r.Load))}; at the end: {MachineInfo.LoadAverage}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {args.CommandLine}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- data: {creators:N0} creators × {products} products × {skus} SKUs = {totalSkus:N0} SKUs; admin JSON pushed {jsonBytes / 1048576.0:0.0} MiB in {fill.TotalSeconds:0.0} s ({creators / fill.TotalSeconds:0} PUT/s); snapshot payload ≈ {protobufBytes / 1048576.0:0.0} MiB (sum of the protobuf catalogs as chunked)");
        text.AppendLine(CultureInfo.InvariantCulture, $"- origin RSS with the data loaded, after serving the snapshots: {ProcessMemory.Mib(originRss)} MiB");
        text.AppendLine();
        text.AppendLine("| measure | median | runs |");
        text.AppendLine("| --- | ---: | --- |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| process start → /readyz, empty origin (baseline), s | {Seconds(static r => r.Baseline)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| process start → /readyz, full origin (cold: snapshot), s | {Seconds(static r => r.Cold)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| cold − baseline (the snapshot's cost), s | {Seconds(static r => r.Cold - r.Baseline)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| process start → replica.bin written (cold), s | {Seconds(static r => r.Persisted)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| process start → /readyz, warm restart from replica.bin, s | {Seconds(static r => r.Warm)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| warm − baseline (loading replica.bin), s | {Seconds(static r => r.Warm - r.Baseline)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| edge RSS when ready, empty, MiB | {Mib(static r => r.BaselineRss)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| edge RSS when ready, {totalSkus:N0} SKUs (cold), MiB | {Mib(static r => r.ColdRss)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| edge RSS after persisting, {totalSkus:N0} SKUs, MiB | {Mib(static r => r.SettledRss)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| edge RSS when ready, warm restart, MiB | {Mib(static r => r.WarmRss)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| replica.bin size, MiB | {Mib(static r => r.ReplicaFileBytes)} |");
        var perSku = Median(runs.Select(r => (double)((r.ColdRss ?? 0) - (r.BaselineRss ?? 0)))) / totalSkus;
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- memory per edge for the data: (cold RSS − empty RSS) / SKUs ≈ {perSku:0} bytes per SKU (medians; includes products and creators, and garbage not yet collected).");
        return text.ToString();
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
