using System.Globalization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Demo;
using EdgeCommerce.Cli.Models;
using EdgeCommerce.Cli.Services;

namespace EdgeCommerce.Cli.Up;

/// <summary>
/// Runs one local stack for <c>up</c>: origin first (it must be ready to seed and to serve the
/// edges' sync streams), demo data when the origin is empty, then the edges; writes
/// <c>endpoints.json</c> once all are ready, and stops everything on SIGINT or SIGTERM (exit 0).
/// A service that fails to start stops the stack (exit 1, naming it); once the stack is ready it
/// is a supervisor: a service that crashes is reported (name, exit code, log) and restarted with
/// backoff while the others keep running, so the edges show what they do without their origin.
/// </summary>
/// <param name="whileReady">
/// Runs once the stack is ready, instead of waiting for Ctrl-C (<c>rehearse</c>); the stack then
/// stops and its exit code is this function's.
/// </param>
internal sealed class LocalStack(UpOptions options, CliContext context, Func<StackEndpoints, string, CancellationToken, Task<int>>? whileReady = null)
{
    /// <summary>
    /// On Ctrl-C the terminal signals the whole process group, children included, so a child may
    /// exit a moment before this process handles its own SIGINT. An exit is only called unexpected
    /// when no stop request arrives within this window.
    /// </summary>
    private static readonly TimeSpan s_signalRace = TimeSpan.FromMilliseconds(500);

    /// <summary>Guards <see cref="_services"/> and <see cref="_stopping"/>: supervisors replace crashed services while a stop may begin.</summary>
    private readonly Lock _gate = new();
    private readonly List<ChildService> _services = [];
    private readonly TextWriter _out = context.Out;
    private bool _stopping;

    public async Task<int> RunAsync()
    {
        var binaries = ServiceBinaries.FromEnvironment(context);
        var originAssembly = binaries.Require(ServiceBinaries.OriginProject);
        var edgeAssembly = options.Edges > 0 ? binaries.Require(ServiceBinaries.EdgeProject) : null;

        using var dataLock = DataDirectoryLock.Acquire(options.DataDirectory);
        Directory.CreateDirectory(options.LogDirectory);
        var previous = ReadPreviousEndpoints();

        using var shutdown = new ShutdownSignal();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        try
        {
            return await RunAsync(originAssembly, edgeAssembly, previous, http, shutdown);
        }
        catch (OperationCanceledException) when (shutdown.Token.IsCancellationRequested)
        {
            await _out.WriteLineAsync("Stopping...");
            await StopAllAsync();
            await _out.WriteLineAsync("Stopped.");
            return ExitCodes.Success;
        }
        catch (CliException)
        {
            await StopAllAsync();
            throw;
        }
        finally
        {
            foreach (var service in Snapshot())
            {
                await service.DisposeAsync();
            }
        }
    }

    private async Task<int> RunAsync(string originAssembly, string? edgeAssembly, StackEndpoints? previous, HttpClient http, ShutdownSignal shutdown)
    {
        await _out.WriteLineAsync($"Data in {options.DataDirectory}; each service logs to {options.LogDirectory}{Path.DirectorySeparatorChar}<service>.log");

        var preferred = PreferredPorts.For(options, previous);
        var ports = new PortAllocator();
        var originPort = await AllocateAsync(ports, "origin", preferred.Origin);
        var grpcPort = await AllocateAsync(ports, "origin gRPC", preferred.Grpc);
        var edges = new List<EdgeEndpoint>();
        for (var index = 0; index < options.Edges; index++)
        {
            var id = EdgeRegions.IdOf(index);
            var port = await AllocateAsync(ports, id, preferred.Edges[index]);
            edges.Add(new EdgeEndpoint(id, EdgeRegions.RegionOf(index), ServiceDefinitions.LoopbackUrl(port)));
        }

        // DEMO ONLY: the stand-in creator site; the edges allow its origin for every demo creator.
        var sitePort = await AllocateAsync(ports, "demo site", preferred.DemoSite);
        var siteUrl = DemoCreatorSite.ServiceDefinitionsUrl(sitePort);
        var endpoints = new StackEndpoints(ServiceDefinitions.LoopbackUrl(originPort), ServiceDefinitions.LoopbackUrl(grpcPort), edges);

        // The origin alone first: seeding needs its admin API, and edges sync from it.
        var origin = Start(ServiceDefinitions.Origin(originAssembly, originPort, grpcPort, options.OriginDataDirectory, options.AdminTokenPath));
        await _out.WriteLineAsync($"origin   starting on {endpoints.Origin} (sync gRPC {endpoints.OriginGrpc})");
        if (await WaitReadyAsync(http, [origin], shutdown) is { } failed)
        {
            return failed;
        }

        // The origin rewrote admin.token before it was ready: every verb, and this seeding, uses it.
        var adminToken = SecretFile.TryRead(options.AdminTokenPath)
            ?? throw new CliException($"The origin did not write its admin token to {options.AdminTokenPath}.");
        SeedResult seed;
        string? dropLine = null;
        IReadOnlyDictionary<string, string> siteTokens;
        using (var admin = new AdminClient(new Uri(endpoints.Origin), adminToken))
        {
            seed = await DemoSeeder.SeedIfEmptyAsync(admin, shutdown.Token);
            if (seed.Seeded)
            {
                dropLine = await DemoDrops.SeedAsync(admin, context.TimeProvider, shutdown.Token);
            }

            siteTokens = await DemoCreatorSite.MintSiteTokensAsync(admin, seed.CreatorIds, shutdown.Token);
            foreach (var edge in edges)
            {
                await SecretFile.WriteAsync(SyncTokenPath(edge.Id), await admin.MintSyncTokenAsync(edge.Id, shutdown.Token), shutdown.Token);
            }

            if (seed.Seeded)
            {
                // A small demo history (a few hundred viewers) trains in about a second, so the demo
                // recommends from the start; edges receive the model on the sync stream.
                var trained = await admin.PostAsync("/admin/v1/models/train?demo=true&activate=true", null, shutdown.Token);
                await _out.WriteLineAsync(trained.IsSuccess
                    ? "model    " + ModelsCommand.Summary(trained.Body)
                    : "model    not trained: " + ProblemReport.Format(trained));
            }
        }

        await _out.WriteLineAsync(seed.Seeded
            ? $"demo     seeded {seed.CreatorIds.Count} creators with {seed.Products} products: {string.Join(", ", seed.CreatorIds)}"
            : $"demo     not seeded: the origin already holds {seed.CreatorIds.Count} creators with {seed.Products} products");
        if (dropLine is not null)
        {
            await _out.WriteLineAsync(dropLine);
        }

        // Relays first (the first --relays edges), ready before the edges behind them say hello:
        // an edge whose relay holds nothing yet would settle on the origin instead.
        var edgeServices = new List<ChildService>();
        var relayUrls = new List<string>();
        for (var index = 0; index < edges.Count; index++)
        {
            var edge = edges[index];
            var port = EndpointsFile.PortOf(edge.Url)!.Value;
            var settings = seed.CreatorIds.Select(creatorId => $"Shop:AllowedOrigins:{creatorId}:0={siteUrl}").ToList();
            var syncFrom = endpoints.OriginGrpc;
            var role = "";
            if (index < options.Relays)
            {
                var relayUrl = ServiceDefinitions.LoopbackUrl(await AllocateAsync(ports, edge.Id + " relay", null));
                relayUrls.Add(relayUrl);
                settings.AddRange(["Relay:Enabled=true", "Kestrel:Endpoints:Relay:Url=" + relayUrl, "Kestrel:Endpoints:Relay:Protocols=Http2"]);
                role = $", relay on {relayUrl}";
            }
            else if (relayUrls.Count > 0)
            {
                syncFrom = relayUrls[(index - options.Relays) % relayUrls.Count];
                settings.AddRange(["Sync:OriginAddresses:0=" + endpoints.OriginGrpc, "Sync:InventoryAddress=" + endpoints.OriginGrpc]);
                role = $", via {syncFrom}";
            }

            edgeServices.Add(Start(ServiceDefinitions.Edge(edgeAssembly!, edge.Id, edge.Region, port, syncFrom, options.EdgeDataDirectory(edge.Id), SyncTokenPath(edge.Id), settings)));
            await _out.WriteLineAsync($"{edge.Id,-8} starting on {edge.Url} ({edge.Region}{role})");
            if (index + 1 == options.Relays && await WaitReadyAsync(http, edgeServices, shutdown) is { } relayFailed)
            {
                return relayFailed;
            }
        }

        if (await WaitReadyAsync(http, edgeServices, shutdown) is { } edgeFailed)
        {
            return edgeFailed;
        }

        if (seed.Seeded && edges.Count > 0)
        {
            using var admin = new AdminClient(new Uri(endpoints.Origin), adminToken);
            await _out.WriteLineAsync(await DemoFinishedDrop.SeedAsync(admin, new Uri(edges[0].Url), context.TimeProvider, shutdown.Token));
        }

        await using var site = edges.Count > 0 ? await StartDemoSiteAsync(sitePort, endpoints, siteTokens) : null;
        endpoints = endpoints with { DemoSite = site?.Url };
        EndpointsFile.Write(options.DataDirectory, endpoints);
        await PrintSummaryAsync(endpoints, seed.CreatorIds.Count > 0 ? seed.CreatorIds[0] : null, site?.Url);

        return await SuperviseAsync(http, shutdown, whileReady is null ? null : token => whileReady(endpoints, adminToken, token));
    }

    /// <summary>The DEMO ONLY site is a convenience: if its port was taken meanwhile, the stack runs without it.</summary>
    private async Task<DemoCreatorSite?> StartDemoSiteAsync(int port, StackEndpoints endpoints, IReadOnlyDictionary<string, string> siteTokens)
    {
        try
        {
            return DemoCreatorSite.Start(port, endpoints.Origin, endpoints.Edges[0].Url, endpoints.Edges[0].Region, siteTokens);
        }
        catch (System.Net.HttpListenerException ex)
        {
            await _out.WriteLineAsync($"note     demo site not started on port {port}: {ex.Message}");
            return null;
        }
    }

    private string SyncTokenPath(string edgeId) => Path.Combine(options.EdgeDataDirectory(edgeId), UpOptions.SyncTokenFileName);

    /// <summary>
    /// Runs until a stop is asked for (then throws <see cref="OperationCanceledException"/>, exit 0),
    /// or until <paramref name="work"/> ends (its exit code), restarting any service that crashes.
    /// </summary>
    private async Task<int> SuperviseAsync(HttpClient http, ShutdownSignal shutdown, Func<CancellationToken, Task<int>>? work)
    {
        using var supervision = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Token);
        var supervisors = Snapshot().Select(service => Task.Run(() => SuperviseAsync(service, http, supervision.Token))).ToList();
        try
        {
            if (work is null)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, shutdown.Token);
            }

            var exitCode = await work!(shutdown.Token);
            await StopAllAsync();
            return exitCode;
        }
        finally
        {
            await supervision.CancelAsync();
            await Task.WhenAll(supervisors);
        }
    }

    /// <summary>
    /// Watches one service: when it exits on its own, says so (name, exit code, log), waits with
    /// exponential backoff, starts it again with the same ports and data, and waits for it to be
    /// ready. The others keep running throughout: a crashed origin leaves the edges serving from
    /// their replicas, which reconnect by themselves.
    /// </summary>
    private async Task SuperviseAsync(ChildService service, HttpClient http, CancellationToken stop)
    {
        var crashesInARow = 0;
        var started = context.TimeProvider.GetTimestamp();
        try
        {
            while (true)
            {
                var exitCode = await service.Exited.WaitAsync(stop);
                if (service.StopRequested || !await IsUnexpectedExitAsync(stop))
                {
                    return;
                }

                crashesInARow = context.TimeProvider.GetElapsedTime(started) >= options.StableAfter ? 1 : crashesInARow + 1;
                var delay = RestartDelay(crashesInARow);
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{service.Name,-8} exited unexpectedly with exit code {exitCode}; see {options.LogPath(service.Name)}. The other services keep running; restarting {service.Name} in {delay.TotalSeconds:0.#} s (crash {crashesInARow} in a row)."));
                await Task.Delay(delay, context.TimeProvider, stop);

                var next = Restart(service);
                if (next is null)
                {
                    return;
                }

                service = next;
                started = context.TimeProvider.GetTimestamp();
                var outcome = await Readiness.WaitAsync(http, service, options.ReadyTimeout, context.TimeProvider, stop);
                await _out.WriteLineAsync(outcome switch
                {
                    ReadinessOutcome.Ready => $"{service.Name,-8} ready again after a restart",
                    ReadinessOutcome.Exited => $"{service.Name,-8} exited again before it was ready",
                    _ => string.Create(CultureInfo.InvariantCulture, $"{service.Name,-8} not ready within {options.ReadyTimeout.TotalSeconds:0} s of its restart; still watching it"),
                });
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The stack is stopping.
        }
    }

    /// <summary>1 s, 2 s, 4 s ... up to <see cref="UpOptions.MaxRestartDelay"/>, for the Nth crash in a row.</summary>
    internal static TimeSpan RestartDelay(int crashesInARow, TimeSpan initial, TimeSpan max)
    {
        var factor = Math.Pow(2, Math.Clamp(crashesInARow - 1, 0, 30));
        return TimeSpan.FromTicks((long)Math.Min(max.Ticks, initial.Ticks * factor));
    }

    private TimeSpan RestartDelay(int crashesInARow) => RestartDelay(crashesInARow, options.InitialRestartDelay, options.MaxRestartDelay);

    /// <summary>Starts a crashed service again in its place, unless the stack is stopping (null).</summary>
    private ChildService? Restart(ChildService crashed)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return null;
            }

            var next = ChildService.Start(crashed.Definition, options.LogPath(crashed.Definition.Name), context.TimeProvider);
            _services[_services.IndexOf(crashed)] = next;
            // It has exited: disposing only releases its handles and log file.
            _ = crashed.DisposeAsync().AsTask();
            return next;
        }
    }

    private List<ChildService> Snapshot()
    {
        lock (_gate)
        {
            return [.. _services];
        }
    }

    /// <summary>Waits for <paramref name="services"/> together; on failure stops everything and returns 1.</summary>
    private async Task<int?> WaitReadyAsync(HttpClient http, IReadOnlyList<ChildService> services, ShutdownSignal shutdown)
    {
        var waits = services.Select(service => WaitReadyAsync(http, service, shutdown)).ToList();
        while (waits.Count > 0)
        {
            var done = await Task.WhenAny(waits);
            waits.Remove(done);
            var (service, outcome) = await done;
            if (outcome == ReadinessOutcome.Ready)
            {
                await _out.WriteLineAsync($"{service.Name,-8} ready");
                continue;
            }

            if (outcome == ReadinessOutcome.Exited && !await IsUnexpectedExitAsync(shutdown))
            {
                throw new OperationCanceledException(shutdown.Token);
            }

            return await FailAsync(service, outcome == ReadinessOutcome.Exited
                ? "exited before it was ready"
                : string.Create(CultureInfo.InvariantCulture, $"was not ready within {options.ReadyTimeout.TotalSeconds:0} s ({service.Definition.ReadyUrl})"));
        }

        return null;
    }

    private async Task<(ChildService Service, ReadinessOutcome Outcome)> WaitReadyAsync(HttpClient http, ChildService service, ShutdownSignal shutdown)
        => (service, await Readiness.WaitAsync(http, service, options.ReadyTimeout, context.TimeProvider, shutdown.Token));

    private Task<bool> IsUnexpectedExitAsync(ShutdownSignal shutdown) => IsUnexpectedExitAsync(shutdown.Token);

    private async Task<bool> IsUnexpectedExitAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(s_signalRace, context.TimeProvider, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<int> FailAsync(ChildService service, string what)
    {
        var reason = service.Exited.IsCompleted
            ? string.Create(CultureInfo.InvariantCulture, $"{service.Name} {what} with exit code {service.Exited.Result}")
            : $"{service.Name} {what}";
        await context.Error.WriteLineAsync($"error: {reason}; see {options.LogPath(service.Name)}. Stopping the other services.");
        await StopAllAsync();
        return ExitCodes.Failed;
    }

    private ChildService Start(ServiceDefinition definition)
    {
        var service = ChildService.Start(definition, options.LogPath(definition.Name), context.TimeProvider);
        lock (_gate)
        {
            _services.Add(service);
        }

        return service;
    }

    /// <summary>Edges first, then the origin they sync from: SIGTERM, a grace period, then kill. No restart begins after this.</summary>
    private async Task StopAllAsync()
    {
        List<ChildService> services;
        lock (_gate)
        {
            _stopping = true;
            services = [.. _services];
        }

        var edges = services.Where(static service => service.Name != "origin").ToList();
        await Task.WhenAll(edges.Select(service => service.StopAsync(options.StopGrace)));
        await Task.WhenAll(services.Except(edges).Select(service => service.StopAsync(options.StopGrace)));
    }

    private async Task<int> AllocateAsync(PortAllocator ports, string service, int? preferred)
    {
        var port = ports.Allocate(preferred);
        if (preferred is { } wanted && wanted != port)
        {
            await _out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"note     port {wanted} is taken; {service} uses {port}"));
        }

        return port;
    }

    private StackEndpoints? ReadPreviousEndpoints()
    {
        try
        {
            return EndpointsFile.Read(options.DataDirectory);
        }
        catch (CliException ex)
        {
            // Only a hint for port reuse: a damaged file is replaced once the stack is ready.
            context.Error.WriteLine("warning: " + ex.Message + " Using the default ports.");
            return null;
        }
    }

    private async Task PrintSummaryAsync(StackEndpoints endpoints, string? creatorId, string? siteUrl)
    {
        await _out.WriteLineAsync();
        await _out.WriteLineAsync($"Ready. Endpoints in {EndpointsFile.PathIn(options.DataDirectory)}");
        await _out.WriteLineAsync($"  origin   {endpoints.Origin,-24} admin  {endpoints.Origin}/admin/v1/creators   log {options.LogPath("origin")}");
        foreach (var edge in endpoints.Edges)
        {
            var widget = creatorId is null ? "(no creators yet)" : $"{edge.Url}/v1/creators/{creatorId}/widget";
            await _out.WriteLineAsync($"  {edge.Id,-8} {edge.Url,-24} widget {widget}   status {edge.Url}/v1/edge/status   region {edge.Region}   log {options.LogPath(edge.Id)}");
        }

        await _out.WriteLineAsync("Dashboards:");
        await _out.WriteLineAsync($"  every edge at a glance  {endpoints.Origin}/dashboard");
        foreach (var edge in endpoints.Edges)
        {
            await _out.WriteLineAsync($"  {edge.Id,-23} {edge.Url}/dashboard   (P50/P95/P99 per route, cache, sync lag)");
        }

        if (creatorId is not null && endpoints.Edges.Count > 0)
        {
            await _out.WriteLineAsync("Shop:");
            await _out.WriteLineAsync($"  {endpoints.Edges[0].Url}/shop/{creatorId}#token=<viewer token>   (without a token it shows the shop but cannot reserve)");
            await _out.WriteLineAsync($"  a viewer token: ./edgecommerce token --creator {creatorId} --sub viewer-1 --scope \"recs:read drop:rsvp drop:reserve\"{DataHint()}");
        }

        if (siteUrl is not null && creatorId is not null)
        {
            await _out.WriteLineAsync($"  demo site {siteUrl}/c/{creatorId}   DEMO ONLY: a stand-in creator site that embeds the shop and hands out demo viewer tokens");
        }

        await _out.WriteLineAsync("Push a catalog: ./edgecommerce catalog push FILE --creator ID" + DataHint() + " (add --create for a new creator)");
        await _out.WriteLineAsync("A service that crashes is restarted (try kill -9 on the origin: the edges keep serving). Press Ctrl-C to stop.");
    }

    private string DataHint()
        => string.Equals(options.DataDirectory, context.ResolvePath(CommonOptions.DefaultDataDirectory), StringComparison.Ordinal)
            ? ""
            : " --data " + options.DataDirectory;
}
