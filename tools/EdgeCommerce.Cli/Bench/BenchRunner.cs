using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Demo;
using EdgeCommerce.Cli.Services;
using EdgeCommerce.Contracts;

namespace EdgeCommerce.Cli.Bench;

/// <summary>
/// <c>bench</c>: starts a fresh stack (origin + one edge with the demo data, in a temporary data
/// directory), puts nginx with <c>proxy_cache</c> in front of that edge, drives wrk at the edge's
/// widget and at nginx's copy of it (same bytes, checked), alternating which goes first each
/// round, then any extra edge paths, prints a markdown table, and stops everything it started.
/// </summary>
internal sealed class BenchRunner(BenchOptions options, CliContext context)
{
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(120);
    private readonly TextWriter _out = context.Out;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var wrk = FindExecutable("wrk") ?? throw new CliException("wrk is not installed (Debian: apt-get install wrk; ./edgecommerce bench installs it when missing).");
        var nginx = options.NoNginx ? null : FindExecutable("nginx")
            ?? throw new CliException("nginx is not installed (Debian: apt-get install nginx-light; ./edgecommerce bench installs it when missing), or pass --no-nginx.");
        _ = wrk;
        var binaries = ServiceBinaries.FromEnvironment(context);
        var originAssembly = binaries.Require(ServiceBinaries.OriginProject);
        var edgeAssembly = binaries.Require(ServiceBinaries.EdgeProject);
        var started = context.TimeProvider.GetUtcNow();
        var loadBefore = LoadAverage();

        var work = Directory.CreateTempSubdirectory("edgecommerce-bench-").FullName;
        var services = new List<ChildService>();
        NginxCache? cache = null;
        var succeeded = false;
        using var shutdown = new ShutdownSignal();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown.Token);
        var token = linked.Token;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await _out.WriteLineAsync($"bench    working in {work}");
            var ports = new PortAllocator();
            var originPort = ports.Allocate(null);
            var grpcPort = ports.Allocate(null);
            var edgePort = ports.Allocate(null);
            var nginxPort = ports.Allocate(null);
            var baselinePort = ports.Allocate(null);
            if (options.BaselineEdgeAssembly is { } baselineAssembly && !File.Exists(baselineAssembly))
            {
                throw new CliException($"--baseline-edge {baselineAssembly}: no such file.");
            }

            var adminTokenPath = Path.Combine(work, AdminConnection.TokenFileName);
            var origin = Start(services, ServiceDefinitions.Origin(originAssembly, originPort, grpcPort, Path.Combine(work, "origin"), adminTokenPath), work);
            await WaitReadyAsync(http, origin, token);
            string creatorId;
            var adminToken = SecretFile.TryRead(adminTokenPath) ?? throw new CliException($"The origin did not write its admin token to {adminTokenPath}.");
            using (var admin = new AdminClient(new Uri(ServiceDefinitions.LoopbackUrl(originPort)), adminToken))
            {
                var seed = await DemoSeeder.SeedIfEmptyAsync(admin, token);
                creatorId = seed.CreatorIds[0];
                await _out.WriteLineAsync($"bench    origin ready, demo data: {seed.CreatorIds.Count} creators, {seed.Products} products; widget of {creatorId}");
                var tokens = new Dictionary<BenchTarget, IReadOnlyList<string>>();
                foreach (var target in options.ExtraTargets.Where(static t => t.Scope is not null))
                {
                    tokens[target] = await MintViewerTokensAsync(admin, creatorId, target.Scope!, token);
                }

                var edgeToken = Path.Combine(work, "edge-bench.sync.token");
                await SecretFile.WriteAsync(edgeToken, await admin.MintSyncTokenAsync("edge-bench", token), token);
                var edge = Start(services, ServiceDefinitions.Edge(edgeAssembly, "edge-bench", "bench", edgePort,
                    ServiceDefinitions.LoopbackUrl(grpcPort), Path.Combine(work, "edge"), edgeToken, options.EffectiveEdgeSettings), work);
                await WaitReadyAsync(http, edge, token);
                var edgeUrl = new Uri(ServiceDefinitions.LoopbackUrl(edgePort));
                var widgetPath = BenchTarget.Widget.PathFor(creatorId);
                var edgeBytes = await http.GetByteArrayAsync(new Uri(edgeUrl, widgetPath), token);
                await _out.WriteLineAsync($"bench    edge ready: widget {edgeBytes.Length:N0} bytes");
                Uri? baselineUrl = null;
                int? baselineProcessId = null;
                if (options.BaselineEdgeAssembly is { } baselineDll)
                {
                    // A baseline build from before scoped tokens ignores the token file (and its origin
                    // would not ask); one from after presents it.
                    var baselineToken = Path.Combine(work, "edge-baseline.sync.token");
                    await SecretFile.WriteAsync(baselineToken, await admin.MintSyncTokenAsync("edge-baseline", token), token);
                    var baseline = Start(services, ServiceDefinitions.Edge(baselineDll, "edge-baseline", "bench", baselinePort,
                        ServiceDefinitions.LoopbackUrl(grpcPort), Path.Combine(work, "edge-baseline"), baselineToken, options.EffectiveEdgeSettings), work);
                    await WaitReadyAsync(http, baseline, token);
                    baselineUrl = new Uri(ServiceDefinitions.LoopbackUrl(baselinePort));
                    baselineProcessId = baseline.ProcessId;
                    var baselineBytes = await http.GetByteArrayAsync(new Uri(baselineUrl, widgetPath), token);
                    if (!baselineBytes.AsSpan().SequenceEqual(edgeBytes))
                    {
                        throw new CliException("The baseline edge served different widget bytes; refusing to compare them.");
                    }

                    await _out.WriteLineAsync($"bench    baseline edge ready ({baselineDll})");
                }

                if (nginx is not null)
                {
                    cache = NginxCache.Start(nginx, work, nginxPort, edgeUrl, options.NginxWorkers);
                    var nginxBytes = await FirstAnswerAsync(http, new Uri(cache.Address, widgetPath), cache, token);
                    if (!nginxBytes.AsSpan().SequenceEqual(edgeBytes))
                    {
                        throw new CliException("nginx and the edge served different widget bytes; refusing to compare them.");
                    }

                    await _out.WriteLineAsync($"bench    nginx proxy_cache ready on {cache.Address} (same {nginxBytes.Length:N0} bytes)");
                }

                var results = await MeasureAsync(edgeUrl, edge.ProcessId, baselineUrl, baselineProcessId, cache, creatorId, tokens, work, token);
                var widgetInfo = string.Create(CultureInfo.InvariantCulture, $"{edgeBytes.Length:N0} bytes of JSON (demo creator {creatorId})");
                var machine = Machine(loadBefore, LoadAverage());
                var report = BenchReport.Markdown(results, options, machine, widgetInfo, started);
                await _out.WriteLineAsync();
                await _out.WriteLineAsync(report);
                if (options.ResultsFile is { } file)
                {
                    await File.AppendAllTextAsync(context.ResolvePath(file), Environment.NewLine + report, token);
                    await _out.WriteLineAsync($"bench    appended to {context.ResolvePath(file)}");
                }
            }

            succeeded = true;
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (shutdown.Token.IsCancellationRequested)
        {
            await _out.WriteLineAsync("bench    interrupted; stopping.");
            return ExitCodes.Failed;
        }
        finally
        {
            if (cache is not null)
            {
                await cache.DisposeAsync();
            }

            foreach (var service in Enumerable.Reverse(services))
            {
                await service.StopAsync(TimeSpan.FromSeconds(10));
                await service.DisposeAsync();
            }

            if (succeeded)
            {
                TryDelete(work);
            }
            else
            {
                await context.Error.WriteLineAsync($"bench    logs kept in {Path.Combine(work, "logs")}");
            }
        }
    }

    private async Task<IReadOnlyList<BenchSeries>> MeasureAsync(Uri edgeUrl, int edgeProcessId, Uri? baselineUrl, int? baselineProcessId, NginxCache? cache, string creatorId,
        IReadOnlyDictionary<BenchTarget, IReadOnlyList<string>> tokens, string work, CancellationToken token)
    {
        var widget = BenchTarget.Widget;
        var widgetPath = widget.PathFor(creatorId);
        var duration = TimeSpan.FromSeconds(options.DurationSeconds);
        var servers = new List<(string Name, Uri Url, int? Pid)> { ("edge", new Uri(edgeUrl, widgetPath), edgeProcessId) };
        if (cache is not null)
        {
            servers.Add(("nginx", new Uri(cache.Address, widgetPath), cache.ProcessId));
        }

        if (baselineUrl is not null)
        {
            servers.Add(("edge-baseline", new Uri(baselineUrl, widgetPath), baselineProcessId));
        }

        if (options.WarmupSeconds > 0)
        {
            foreach (var (name, url, _) in servers)
            {
                await _out.WriteLineAsync($"bench    warm-up {name} {options.WarmupSeconds} s");
                await WrkRun.RunAsync(url.ToString(), widget, null, null, options, TimeSpan.FromSeconds(options.WarmupSeconds), work, token);
            }

            // The other paths too: otherwise their first round measures the JIT and the first tokens' validations.
            foreach (var target in options.ExtraTargets)
            {
                foreach (var edgeBase in baselineUrl is null ? [edgeUrl] : new[] { edgeUrl, baselineUrl })
                {
                    await _out.WriteLineAsync($"bench    warm-up {target.Name} on {edgeBase} {options.WarmupSeconds} s");
                    await WrkRun.RunAsync(new Uri(edgeBase, target.PathFor(creatorId)).ToString(), target, target.BodyFor(creatorId), tokens.GetValueOrDefault(target), options,
                        TimeSpan.FromSeconds(options.WarmupSeconds), work, token);
                }
            }
        }

        var runs = servers.ToDictionary(static s => s.Name, static _ => new List<WrkResult>());
        var edges = new List<(string Name, Uri Url, int? Pid)> { ("edge", edgeUrl, edgeProcessId) };
        if (baselineUrl is not null)
        {
            edges.Add(("edge-baseline", baselineUrl, baselineProcessId));
        }

        var extraRuns = options.ExtraTargets.SelectMany(t => edges.Select(e => (t, e.Name))).ToDictionary(static k => k, static _ => new List<WrkResult>());
        for (var round = 0; round < options.Rounds; round++)
        {
            // Alternate A and B: ABBA… so neither always runs on a warmer (or busier) machine.
            var order = round % 2 == 0 ? servers : Enumerable.Reverse(servers).ToList();
            foreach (var (name, url, pid) in order)
            {
                var result = await WrkRun.RunAsync(url.ToString(), widget, null, null, options, duration, work, token, pid);
                runs[name].Add(result);
                await _out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"bench    round {round + 1}/{options.Rounds} widget {name,-13} {result.RequestsPerSecond,10:N0} req/s  p50 {result.P50Us / 1000.0:0.000} ms  p99 {result.P99Us / 1000.0:0.000} ms  CPU {result.CpuUsPerRequest:0.0} µs/req  errors {result.SocketErrors + result.Non2xx}"));
            }

            // The personal paths on every edge (a baseline build too), alternating like the widget.
            foreach (var target in options.ExtraTargets)
            {
                foreach (var (name, baseUrl, pid) in round % 2 == 0 ? edges : Enumerable.Reverse(edges))
                {
                    var url = new Uri(baseUrl, target.PathFor(creatorId));
                    var result = await WrkRun.RunAsync(url.ToString(), target, target.BodyFor(creatorId), tokens.GetValueOrDefault(target), options, duration, work, token, pid);
                    extraRuns[(target, name)].Add(result);
                    await _out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"bench    round {round + 1}/{options.Rounds} {target.Name} {name,-13} {result.RequestsPerSecond,10:N0} req/s  p50 {result.P50Us / 1000.0:0.000} ms  p99 {result.P99Us / 1000.0:0.000} ms  CPU {result.CpuUsPerRequest:0.0} µs/req  errors {result.SocketErrors + result.Non2xx}"));
                }
            }
        }

        var series = servers.Select(s => new BenchSeries("widget", s.Name, runs[s.Name])).ToList();
        series.AddRange(options.ExtraTargets.SelectMany(t => edges.Select(e => new BenchSeries(t.Name, e.Name, extraRuns[(t, e.Name)]))));
        return series;
    }

    private async Task<IReadOnlyList<string>> MintViewerTokensAsync(AdminClient admin, string creatorId, string scope, CancellationToken token)
    {
        var tokens = new List<string>(options.Viewers);
        for (var i = 0; i < options.Viewers; i++)
        {
            var request = new JsonObject
            {
                ["subject"] = "bench-viewer-" + i.ToString(CultureInfo.InvariantCulture),
                ["creatorId"] = creatorId,
                ["scopes"] = new JsonArray(scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(static s => (JsonNode)s).ToArray()),
                ["ttlSeconds"] = 3600,
                ["audience"] = "edge",
            };
            tokens.Add((await admin.MintTokenAsync(request, token)).Token);
        }

        return tokens;
    }

    private ChildService Start(List<ChildService> services, ServiceDefinition definition, string work)
    {
        var service = ChildService.Start(definition, Path.Combine(work, "logs", definition.Name + ".log"), context.TimeProvider);
        services.Add(service);
        return service;
    }

    private async Task WaitReadyAsync(HttpClient http, ChildService service, CancellationToken token)
    {
        var outcome = await Readiness.WaitAsync(http, service, s_readyTimeout, context.TimeProvider, token);
        if (outcome != ReadinessOutcome.Ready)
        {
            throw new CliException($"{service.Name} did not become ready ({outcome}).");
        }
    }

    /// <summary>nginx's first answer (a cache miss filled from the edge), retried while it starts.</summary>
    private async Task<byte[]> FirstAnswerAsync(HttpClient http, Uri url, NginxCache cache, CancellationToken token)
    {
        var deadline = context.TimeProvider.GetUtcNow() + TimeSpan.FromSeconds(15);
        while (true)
        {
            if (cache.HasExited)
            {
                throw new CliException($"nginx exited at start; see {cache.ErrorLog}.");
            }

            try
            {
                using var response = await http.GetAsync(url, token);
                if (response.IsSuccessStatusCode)
                {
                    return await response.Content.ReadAsByteArrayAsync(token);
                }
            }
            catch (HttpRequestException) when (context.TimeProvider.GetUtcNow() < deadline)
            {
                // Not listening yet.
            }

            if (context.TimeProvider.GetUtcNow() >= deadline)
            {
                throw new CliException($"nginx did not serve {url} within 15 s; see {cache.ErrorLog}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), context.TimeProvider, token);
        }
    }

    private string Machine(string loadBefore, string loadAfter)
    {
        var cpus = Environment.ProcessorCount;
        var model = ReadFirst("/proc/cpuinfo", "model name") ?? "unknown CPU";
        var memKb = ReadFirst("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var mem = long.TryParse(memKb, CultureInfo.InvariantCulture, out var kb) ? string.Create(CultureInfo.InvariantCulture, $"{kb / 1024.0 / 1024.0:0.0} GiB") : "? GiB";
        var commit = Git("rev-parse --short HEAD") ?? "unknown";
        var dirty = Git("status --porcelain --untracked-files=no") is { Length: > 0 } ? "+dirty" : "";
        return $"machine: {cpus} CPUs ({model}), {mem}, commit {commit}{dirty}; load average {loadBefore} at start, {loadAfter} at the end";
    }

    private string? Git(string arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = context.WorkingDirectory };
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string? ReadFirst(string file, string key)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static string? FindExecutable(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }
}
