using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Benchmarks.Propagation;
using EdgeCommerce.Benchmarks.Wan;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Benchmarks.Fanout;

/// <summary>
/// <c>fanout</c>: the real origin (and, with <c>--relays R</c>, R real edges configured as relays)
/// against N simulated edges in this process, each a real <c>CatalogSync.Sync</c> stream with its own
/// token (<see cref="SimulatedEdges"/>). For each write: the slot for the revision it will get is
/// opened, the admin PUTs a catalog, and t0 is the arrival of the 200; each simulated edge's latency
/// is its receipt of the batch minus t0. With <c>--wan</c>, <see cref="LatencyProxy"/> links sit
/// between the tiers (origin → region, region → metro).
/// </summary>
internal static class FanoutBenchmark
{
    public static async Task<int> RunAsync(BenchArguments args, CancellationToken cancellationToken)
    {
        if (args.Flag("client-inline", defaultValue: true) && !InlineSocketCompletions.InEffect)
        {
            return await InlineSocketCompletions.RelaunchAsync(args.Arguments, cancellationToken);
        }

        var options = new FanoutOptions(
            args.Ints("edges", [100, 1000, 5000]),
            Counts(args, "relays", [0]),
            args.Int("writes", 100, min: 1),
            args.Int("warmup", 100),
            args.Int("creators", 4, min: 1),
            args.Int("products", 10, min: 1),
            args.Int("skus", 3, min: 1),
            args.Int("connections", 4, min: 1),
            args.Int("wave", 250, min: 1),
            args.Flag("cold"),
            args.Int("pause-ms", 0),
            args.Int("max-streams", 10_000, min: 1),
            TimeSpan.FromSeconds(args.Int("write-timeout-s", 30, min: 1)),
            args.Flag("wan"),
            WanLink.Parse(args.All("region-link") is [var region] ? region : "40"),
            WanLink.Parse(args.All("metro-link") is [var metro] ? metro : "2"),
            args.Int("regions", 4, min: 1),
            args.All("relay-setting"),
            args.All("edge-setting"),
            args.All("origin-setting"),
            // After the idle reading: CPU over the 5 s after a signing key rotation (within the
            // origin's 10 s publish lead), when every token renewal check asks which key signs.
            args.Flag("rotate"),
            // Another build's origin and relays (e.g. the branch point's, for a before/after in one run).
            args.All("origin").SingleOrDefault() is { } o ? Path.GetFullPath(o) : null,
            args.All("edge").SingleOrDefault() is { } e ? Path.GetFullPath(e) : null);
        var save = !args.Flag("no-save");
        Environments.Add(args.All("env"));
        args.EnsureAllRead();

        var started = TimeProvider.System.GetUtcNow();
        var loadAtStart = MachineInfo.LoadAverage;
        Console.WriteLine($"fanout: edges {string.Join(',', options.EdgeCounts)}, relays {string.Join(',', options.RelayCounts)}{(options.Wan ? $", WAN region {options.RegionLink}, metro {options.MetroLink}" : "")}; {options.Writes} writes after {options.Warmup} warm-up; {Repository.Configuration} build; load {loadAtStart}");
        var results = new List<FanoutResult>();
        var incidents = new List<string>();
        foreach (var relays in options.RelayCounts)
        {
            foreach (var edges in options.EdgeCounts)
            {
                try
                {
                    results.Add(await RunOnceAsync(relays, edges, options, cancellationToken));
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ArgumentException)
                {
                    // One combination failing (a relay-less edge build, a timeout on a loaded machine)
                    // says so in the report and does not discard the others.
                    Console.WriteLine($"  {Mode(relays)}, {edges} edges failed: {ex}");
                    incidents.Add($"{Mode(relays)}, {edges} edges: {ex.GetType().Name}: {FirstLine(ex.Message)}");
                }
            }
        }

        var report = Report(args, options, started, loadAtStart, results, incidents);
        Console.WriteLine();
        Console.WriteLine(report);
        if (save && results.Count > 0)
        {
            ResultsFile.Append(report);
            Console.WriteLine($"Appended to {ResultsFile.Path}");
        }

        return incidents.Count == 0 ? 0 : 1;
    }

    private static async Task<FanoutResult> RunOnceAsync(int relayCount, int edgeCount, FanoutOptions options, CancellationToken cancellationToken)
    {
        using var data = new TempDirectory("edgecommerce-fanout");
        // Kestrel's default is 100 streams per HTTP/2 connection: thousands of edges over a few
        // connections need more. Passed for a host that binds Kestrel's limits from configuration;
        // the origin today does not (it still advertises 100), and the client's
        // EnableMultipleHttp2Connections opens more connections instead: the report counts them.
        string[] originSettings = [$"Kestrel:Limits:Http2:MaxStreamsPerConnection={options.MaxStreamsPerConnection}", .. options.OriginSettings];
        await using var origin = await OriginHost.StartAsync(data.Combine("origin"), originSettings, cancellationToken, options.OriginAssembly);
        var creators = Enumerable.Range(0, options.Creators).Select(static i => $"fan-c{i}").ToArray();
        long head = 0;
        foreach (var creator in creators)
        {
            head = (await origin.PutCatalogAsync(creator, Catalog(creator, options, version: 0), cancellationToken)).Revision;
        }

        var proxies = new List<LatencyProxy>();
        List<(EdgeHost Host, Uri Sync)> relays = [];
        try
        {
            // Tiers: origin ← [region link] ← relay ← [metro link] ← edges. Without relays an edge's
            // path crosses both links, so in WAN mode it goes through the same two proxies in a row.
            var regions = relayCount > 0 ? relayCount : options.Wan ? options.WanRegions : 1;
            var regionUpstreams = new List<Uri>();
            for (var r = 0; r < regions; r++)
            {
                if (options.Wan)
                {
                    var link = new LatencyProxy($"origin→region {r}", origin.GrpcAddress, options.RegionLink, seed: 1000 * r);
                    proxies.Add(link);
                    regionUpstreams.Add(link.Address);
                }
                else
                {
                    regionUpstreams.Add(origin.GrpcAddress);
                }
            }

            var edgeUpstreams = regionUpstreams;
            if (relayCount > 0)
            {
                relays = await RelayTier.StartAsync(origin, data, regionUpstreams, options, head, cancellationToken);
                var settings = options.RelaySettings.Count > 0 ? options.RelaySettings : RelayTier.DefaultSettings;
                var probe = new SimulatedEdge(0, "fan-probe", "fan-probe", await origin.MintSyncTokenAsync("fan-probe", cancellationToken), 0);
                foreach (var (host, sync) in relays)
                {
                    await RelayTier.EnsureServesSyncAsync(host, sync, probe, settings, cancellationToken);
                }

                edgeUpstreams = [.. relays.Select(static r => r.Sync)];
            }

            if (options.Wan)
            {
                edgeUpstreams = [.. edgeUpstreams.Select((upstream, r) =>
                {
                    var link = new LatencyProxy($"region {r}→metro", upstream, options.MetroLink, seed: (1000 * r) + 500);
                    proxies.Add(link);
                    return link.Address;
                })];
            }

            var topology = Topology(relayCount, regions, options);
            Console.WriteLine($"  {Mode(relayCount)}, {edgeCount} edges: {topology}; minting {edgeCount} tokens…");
            var edges = await MintEdgesAsync(origin, edgeCount, edgeUpstreams.Count, relayCount, cancellationToken);
            var board = new ArrivalBoard(edgeCount);
            await using var simulated = new SimulatedEdges(edges, edgeUpstreams, options.Connections, board);
            var originRssBefore = ProcessMemory.ResidentBytes(origin.ProcessId);
            var clientRssBefore = ProcessMemory.ResidentBytes(Environment.ProcessId);
            var baseStreams = 0;
            var connecting = Stopwatch.GetTimestamp();
            await simulated.StartAsync(head, options.Wave, options.Cold, TimeSpan.FromSeconds(120 + (edgeCount / 10)), opened =>
            {
                if (baseStreams == 0 && opened < edgeCount)
                {
                    // Memory per stream is measured from after the first wave: the first streams also
                    // pay one-time costs (JIT, thread-pool and Kestrel buffers) that are not per stream.
                    baseStreams = opened;
                    originRssBefore = ProcessMemory.ResidentBytes(origin.ProcessId);
                    clientRssBefore = ProcessMemory.ResidentBytes(Environment.ProcessId);
                }
            }, cancellationToken);
            var connectTime = Stopwatch.GetElapsedTime(connecting);
            // Settle: the last wave's acks processed, the first heartbeats answered.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var originRssConnected = ProcessMemory.ResidentBytes(origin.ProcessId);
            var clientRssConnected = ProcessMemory.ResidentBytes(Environment.ProcessId);
            var originConnections = EstablishedConnections(origin.GrpcAddress.Port);
            var relayHosts = relays.Select(static r => r.Host).ToList();
            var loadBefore = MachineInfo.LoadAverage;
            Console.WriteLine($"  {edgeCount} streams caught up in {connectTime.TotalSeconds:0.0} s over {originConnections} connection(s) to the origin; load {loadBefore}; writing…");

            var samples = new List<FanoutSample>(options.Writes);
            CpuSnapshot? cpuStart = null;
            var total = options.Warmup + options.Writes;
            for (var i = 0; i < total; i++)
            {
                if (i == options.Warmup)
                {
                    cpuStart = CpuSnapshot.Take(origin, relayHosts);
                }

                var creator = creators[i % creators.Length];
                var expected = head + 1;
                var sample = await WriteOnceAsync(origin, board, creator, Catalog(creator, options, version: i + 1), expected, options.WriteTimeout, cancellationToken);
                head = expected;
                if (i >= options.Warmup)
                {
                    samples.Add(sample);
                }

                if (!sample.Complete)
                {
                    Console.WriteLine($"  write {i + 1}: {sample.Missing} of {edgeCount} edges did not have revision {expected} after {options.WriteTimeout.TotalSeconds:0} s; streams ended so far: {simulated.DescribeEndings()}");
                }
                else if ((i + 1) % 25 == 0)
                {
                    Console.WriteLine($"  {i + 1}/{total} writes; last: last edge {LatencySummary.Ms(sample.Last)} ms, PUT {LatencySummary.Ms(sample.Put)} ms");
                }

                if (options.PauseMilliseconds > 0)
                {
                    await Task.Delay(options.PauseMilliseconds, cancellationToken);
                }
            }

            var cpu = CpuSnapshot.Take(origin, relayHosts).PerWriteSince(cpuStart!, options.Writes);
            var loadAfter = MachineInfo.LoadAverage;
            var originRssAfter = ProcessMemory.ResidentBytes(origin.ProcessId);
            var relayRss = relayHosts.Select(static r => r.ResidentBytes).ToList();
            var (atHead, withVia) = await RegistryAsync(origin, edges, head, cancellationToken);
            // After the writes and the registry's catching up, not after the connections: seconds
            // after thousands of streams open, their tail (compilation, collections, late acks) is
            // still running and reads as idle cost several times what it is.
            var idle = await MeasureFiveSecondsAsync(origin, relayHosts, null, cancellationToken);
            var rotation = options.Rotate ? await MeasureRotationAsync(origin, relayHosts, cancellationToken) : null;
            var behind = simulated.Behind(head);
            var result = new FanoutResult(relayCount, edgeCount, baseStreams, samples, cpu, idle, originRssBefore, originRssConnected, originRssAfter, clientRssBefore, clientRssConnected,
                relayRss, connectTime, originConnections, simulated.Reconnects, simulated.DescribeEndings(), simulated.OutOfOrder, behind, atHead, withVia, loadBefore, loadAfter, topology, rotation);
            await simulated.DisposeAsync();
            return result;
        }
        finally
        {
            foreach (var (host, _) in relays)
            {
                await host.DisposeAsync();
            }

            foreach (var proxy in proxies)
            {
                await proxy.DisposeAsync();
            }
        }
    }

    private static async Task<FanoutSample> WriteOnceAsync(OriginHost origin, ArrivalBoard board, string creator, byte[] json, long expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var slot = board.Open(expected);
        try
        {
            var put = await origin.PutCatalogAsync(creator, json, cancellationToken);
            if (put.Revision != expected)
            {
                throw new InvalidOperationException($"The write landed as revision {put.Revision}, expected {expected}: is something else writing to this origin?");
            }

            try
            {
                await slot.Complete.WaitAsync(timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                return new FanoutSample(Milliseconds(put.Sent, put.Answered), [], slot.Missing);
            }

            return new FanoutSample(Milliseconds(put.Sent, put.Answered), [.. slot.Arrivals.Select(a => Milliseconds(put.Answered, a))], 0);
        }
        finally
        {
            board.Close(expected);
        }
    }

    /// <summary>N edges, each with its own <c>edge:sync</c> token, minted eight at a time; edge i connects to upstream i mod <paramref name="upstreams"/>.</summary>
    private static async Task<List<SimulatedEdge>> MintEdgesAsync(OriginHost origin, int count, int upstreams, int relays, CancellationToken cancellationToken)
    {
        var edges = new SimulatedEdge[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"fan-e{i:D5}");
            var upstream = i % upstreams;
            var region = relays > 0 ? $"fan-relay-{upstream:D2}" : $"fan-region-{upstream}";
            edges[i] = new SimulatedEdge(i, id, region, await origin.MintSyncTokenAsync(id, token), upstream);
        });
        return [.. edges];
    }

    /// <summary>
    /// CPU per second over five seconds (or as long as <paramref name="begin"/> takes, if longer):
    /// with nothing written (heartbeats, timers, registry flushes), or from <paramref name="begin"/> on.
    /// </summary>
    private static async Task<CpuPerWrite> MeasureFiveSecondsAsync(OriginHost origin, List<EdgeHost> relays, Func<Task>? begin, CancellationToken cancellationToken)
    {
        var start = CpuSnapshot.Take(origin, relays);
        var clock = Stopwatch.GetTimestamp();
        if (begin is not null)
        {
            await begin();
        }

        var rest = TimeSpan.FromSeconds(5) - Stopwatch.GetElapsedTime(clock);
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest, cancellationToken);
        }

        return CpuSnapshot.Take(origin, relays).PerSecondSince(start, Stopwatch.GetElapsedTime(clock));
    }

    /// <summary>
    /// Rotates the origin's signing key and reads CPU per second from then on (five seconds, inside
    /// the 10 s publish lead), and how long after the rotation's 200 the new key signed: once every
    /// connected edge acknowledged the key set that published it.
    /// </summary>
    private static async Task<KeyRotationReading> MeasureRotationAsync(OriginHost origin, List<EdgeHost> relays, CancellationToken cancellationToken)
    {
        TimeSpan? signing = null;
        var cpu = await MeasureFiveSecondsAsync(origin, relays, async () =>
        {
            string keyId;
            using (var rotated = await origin.Admin.PostAsync(new Uri("/admin/v1/keys/rotate", UriKind.Relative), null, cancellationToken))
            {
                rotated.EnsureSuccessStatusCode();
                keyId = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("keyId").GetString()!;
            }

            var rotatedAt = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(rotatedAt) < TimeSpan.FromSeconds(5))
            {
                using var keys = JsonDocument.Parse(await origin.Admin.GetStringAsync("/admin/v1/keys", cancellationToken));
                if (keys.RootElement.GetProperty("keys").EnumerateArray().Any(k => k.GetProperty("signing").GetBoolean() && k.GetProperty("keyId").GetString() == keyId))
                {
                    signing = Stopwatch.GetElapsedTime(rotatedAt);
                    break;
                }

                await Task.Delay(50, cancellationToken);
            }
        }, cancellationToken);
        return new KeyRotationReading(cpu, signing);
    }

    /// <summary>How many of the simulated edges the origin's registry shows connected at the head, and how many of those with a <c>via</c>.</summary>
    private static async Task<(int AtHead, int WithVia)> RegistryAsync(OriginHost origin, List<SimulatedEdge> edges, long head, CancellationToken cancellationToken)
    {
        var ids = edges.Select(static e => e.Id).ToHashSet(StringComparer.Ordinal);
        var atHead = 0;
        var withVia = 0;
        // Up to 30 s: a relay reports its edges' last acknowledgements with its next report, which
        // after the last write is its next upstream heartbeat (Sync:HeartbeatInterval, 10 s in the runs).
        for (var attempt = 0; attempt < 120; attempt++)
        {
            using var list = JsonDocument.Parse(await origin.Admin.GetStringAsync("/admin/v1/edges", cancellationToken));
            var shown = list.RootElement.GetProperty("edges").EnumerateArray()
                .Where(e => ids.Contains(e.GetProperty("id").GetString()!) && e.GetProperty("connected").GetBoolean() && e.GetProperty("appliedRevision").GetInt64() == head)
                .ToList();
            atHead = shown.Count;
            withVia = shown.Count(static e => e.TryGetProperty("via", out var via) && via.ValueKind == JsonValueKind.String && via.GetString()!.Length > 0);
            if (atHead == edges.Count)
            {
                break;
            }

            await Task.Delay(250, cancellationToken);
        }

        return (atHead, withVia);
    }

    /// <summary>
    /// Established TCP connections to <paramref name="port"/> on this machine: the HTTP/2 connections
    /// the simulated edges (or relays, or proxies) hold to it. .NET's sockets are dual-mode, so they
    /// are listed in /proc/net/tcp6 (as ::ffff:127.0.0.1), others in /proc/net/tcp.
    /// </summary>
    private static int EstablishedConnections(int port)
    {
        var suffix = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        var count = 0;
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            try
            {
                // "sl local_address rem_address st ...", addresses as HEXIP:HEXPORT; state 01 = ESTABLISHED.
                count += File.ReadLines(table).Skip(1)
                    .Select(static line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Count(fields => fields.Length > 3 && fields[2].EndsWith(suffix, StringComparison.Ordinal) && fields[3] == "01");
            }
            catch (IOException)
            {
            }
        }

        return count;
    }

    private static string Topology(int relays, int regions, FanoutOptions options)
    {
        var tiers = relays > 0 ? $"origin ← {relays} relays ← edges (spread evenly)" : "origin ← edges";
        return options.Wan
            ? relays > 0
                ? $"{tiers}; WAN: origin→relay {options.RegionLink}, relay→edge {options.MetroLink} (a proxy per link)"
                : $"{tiers}; WAN: {regions} regions, each edge's path through origin→region {options.RegionLink} then region→metro {options.MetroLink} (two proxies in a row)"
            : $"{tiers}; loopback";
    }

    private static IReadOnlyList<int> Counts(BenchArguments args, string name, IReadOnlyList<int> defaultValue)
    {
        // --relays 0,4,16: 0 is direct (Ints refuses 0, which is a count here).
        var all = args.All(name);
        return all.Count switch
        {
            0 => defaultValue,
            1 => [.. all[0].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(static v => int.Parse(v, CultureInfo.InvariantCulture) is var n and >= 0 ? n : throw new ArgumentException("--relays counts must be 0 (direct) or more."))],
            _ => throw new ArgumentException($"--{name} was given more than once."),
        };
    }

    private static byte[] Catalog(string creator, FanoutOptions options, int version)
        => CatalogFactory.ToAdminJson(CatalogFactory.Build(creator, options.Products, options.Skus, version));

    private static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static string Mode(int relays) => relays == 0 ? "direct" : $"{relays} relays";

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static double WallPerWrite(FanoutResult r) => r.Cpu.MachineTotal / MachineInfo.Cpus;

    private static double IdleDuringWrite(FanoutResult r) => r.Idle.Origin * WallPerWrite(r) / 1000;

    private static double NetOfIdle(FanoutResult r) => r.Cpu.Origin - IdleDuringWrite(r);

    private static string Kib(double? bytes) => bytes is { } b ? (b / 1024).ToString("0.0", CultureInfo.InvariantCulture) : "n/a";

    private static string Report(BenchArguments args, FanoutOptions options, DateTimeOffset started, string loadAtStart, IReadOnlyList<FanoutResult> results, IReadOnlyList<string> incidents)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## fanout{(options.Wan ? " --wan" : "")} — {started:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {MachineInfo.Describe()}; {Repository.Configuration} build");
        text.AppendLine(CultureInfo.InvariantCulture, $"- load average at start: {loadAtStart}; at the end: {MachineInfo.LoadAverage}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {args.CommandLine}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- each write: one of {options.Creators} creators, {options.Products} products × {options.Skus} SKUs; {options.Writes} writes measured after {options.Warmup} warm-up, each once every edge had the previous; pause {options.PauseMilliseconds} ms");
        text.AppendLine(CultureInfo.InvariantCulture, $"- simulated edges: real `Sync` streams in the benchmark process, own `edge:sync` token each, {options.Connections} channel(s) per upstream (HTTP/2, several connections allowed), opened {options.Wave} at a time ({(options.Cold ? "each taking a snapshot" : "the first wave taking snapshots, the others resuming from the seed's revision as after a restart")}), socket completions {(InlineSocketCompletions.InEffect ? "inline (the services' off)" : "on the thread pool (`--client-inline false`)")}; origin and relays given `Kestrel:Limits:Http2:MaxStreamsPerConnection={options.MaxStreamsPerConnection}` (streams per connection in effect: N ÷ the connections counted in the details)");
        if (options.RelaySettings.Count + options.EdgeSettings.Count + options.OriginSettings.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- settings: relay {string.Join(' ', options.RelaySettings)}; edge {string.Join(' ', options.EdgeSettings)}; origin {string.Join(' ', options.OriginSettings)}");
        }

        foreach (var incident in incidents)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- incident: {incident}");
        }

        text.AppendLine();
        text.AppendLine("Milliseconds after the admin's PUT got its 200 until the LAST simulated edge had the batch (nearest-rank over the measured writes); CPU per measured write from /proc; memory per stream = origin RSS growth from after the first wave of streams (before any, with one wave) to all caught up, ÷ the streams opened in between.");
        text.AppendLine();
        text.AppendLine("| mode | edges | last p50 | last p95 | last p99 | last max | median edge p50 | PUT p50 | origin CPU ms/write | relays CPU ms/write | client CPU ms/write | origin KiB/stream | streams dropped / behind / writes incomplete | load 1/5/15 before → after |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Mode} | {r.Edges:N0} | {r.Last.Cells} | {LatencySummary.Ms(r.Median.P50)} | {LatencySummary.Ms(r.Put.P50)} | {r.Cpu.Origin:0.00} | {(r.Relays > 0 ? r.Cpu.Edges.ToString("0.00", CultureInfo.InvariantCulture) : "–")} | {r.Cpu.Client:0.00} | {Kib(r.OriginBytesPerStream)} | {r.Reconnects} / {r.BehindAtEnd} / {r.Incomplete} | {r.LoadBefore} → {r.LoadAfter} |");
        }

        foreach (var group in results.GroupBy(static r => r.Relays))
        {
            var list = group.OrderBy(static r => r.Edges).ToList();
            if (list.Count > 1 && list[0].Cpu.Origin > 0)
            {
                var low = list[0];
                var high = list[^1];
                text.AppendLine();
                var net = NetOfIdle(high) is var h && NetOfIdle(low) is var l && h > 0 && l > 0 ? (h / l).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "n/a (idle rate above the write's CPU: too noisy)";
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"- {low.Mode}: origin CPU per write at {high.Edges:N0} edges ÷ at {low.Edges:N0}: {high.Cpu.Origin / low.Cpu.Origin:0.00}×; less the origin's idle rate over each write's wall time: {net}; last-edge p50 {high.Last.P50 / low.Last.P50:0.00}×");
            }
        }

        foreach (var r in results)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"### {r.Mode}, {r.Edges:N0} edges: details");
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"- topology: {r.Topology}");
            text.AppendLine("| measure (ms after the 200) | p50 | p95 | p99 | max |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| last edge had it | {r.Last.Cells} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| median edge had it | {r.Median.Cells} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| first edge had it | {r.First.Cells} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| every edge-write ({r.Completed.Count() * r.Edges:N0}) | {r.EveryEdge.Cells} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| admin PUT, sent → 200 | {r.Put.Cells} |");
            text.AppendLine();
            var c = r.Cpu;
            text.AppendLine(CultureInfo.InvariantCulture, $"- CPU per measured write: origin {c.Origin:0.00} ms ({c.Origin * 1000 / r.Edges:0.0} µs per stream){(r.Relays > 0 ? $", {r.Relays} relays {c.Edges:0.00} ms ({c.Edges / r.Relays:0.00} each)" : "")}, this client (all simulated edges) {c.Client:0.00} ms; the machine's {MachineInfo.Cpus} CPUs were busy {c.MachineBusy:0.0} of {c.MachineTotal:0.0} ms per write, {Math.Max(0, c.MachineBusy - c.Origin - c.Edges - c.Client):0.0} ms of it other work");
            text.AppendLine(CultureInfo.InvariantCulture, $"- the origin's idle rate over each write's wall time ({WallPerWrite(r):0.0} ms): {IdleDuringWrite(r):0.00} ms of its CPU per write (time-driven work: timers, heartbeats, registry flushes, which a write that takes longer to reach every edge pays more of); {(NetOfIdle(r) > 0 ? $"the rest, {NetOfIdle(r):0.00} ms, is what the write itself cost" : "more than the whole: the idle reading is too noisy here to split the two")}");
            text.AppendLine(CultureInfo.InvariantCulture, $"- CPU while idle with the streams open (ms per second): origin {r.Idle.Origin:0.0}{(r.Relays > 0 ? $", relays {r.Idle.Edges:0.0}" : "")}, client {r.Idle.Client:0.0}, machine busy {r.Idle.MachineBusy:0} of {r.Idle.MachineTotal:0}");
            if (r.Rotation is { Cpu: var rotation } reading)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- signing key rotation: the new key signed {(reading.Signing is { } signing ? $"{signing.TotalMilliseconds:0} ms" : "not within 5 s")} after the 200; CPU over the 5 s from the rotation (ms per second): origin {rotation.Origin:0.0}{(r.Relays > 0 ? $", relays {rotation.Edges:0.0}" : "")}, client {rotation.Client:0.0}");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"- memory: origin RSS {ProcessMemory.Mib(r.OriginRssBefore)} MiB {(r.BaseStreams > 0 ? $"with the first {r.BaseStreams:N0} streams (the baseline: they also pay one-time costs)" : "before the streams")}, {ProcessMemory.Mib(r.OriginRssConnected)} MiB with {r.Edges:N0} caught up ({Kib(r.OriginBytesPerStream)} KiB per stream), {ProcessMemory.Mib(r.OriginRssAfter)} MiB after the writes; client {Kib(r.ClientBytesPerStream)} KiB per simulated edge{(r.Relays > 0 ? $"; relays RSS {string.Join(", ", r.RelayRss.Select(static b => ProcessMemory.Mib(b)))} MiB" : "")}");
            text.AppendLine(CultureInfo.InvariantCulture, $"- streams: all {r.Edges:N0} caught up {r.ConnectTime.TotalSeconds:0.0} s after the first opened; {r.OriginConnections} established TCP connection(s) to the origin's gRPC port");
            text.AppendLine(CultureInfo.InvariantCulture, $"- fell behind or dropped: {r.Reconnects} stream(s) ended and were reopened ({r.Endings}); {r.OutOfOrder} batch(es) out of order; {r.BehindAtEnd} edge(s) behind the head at the end; {r.Incomplete} write(s) not at every edge within the timeout");
            text.AppendLine(CultureInfo.InvariantCulture, $"- origin's registry (GET /admin/v1/edges) after the run: {r.AtHeadInRegistry:N0} of {r.Edges:N0} simulated edges connected at the head{(r.Relays > 0 ? $", {r.WithViaInRegistry:N0} of them with `via`" : "")}");
        }

        return text.ToString();
    }
}
