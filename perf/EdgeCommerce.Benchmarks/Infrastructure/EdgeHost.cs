using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Hosting.Processes;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>
/// A real edge process following an origin, on a free loopback port, restartable on the same port
/// and data directory (warm restart). Records when its process was started, so readiness can be
/// timed from process start.
/// </summary>
internal sealed class EdgeHost : IAsyncDisposable
{
    private readonly string[] _settings;
    private ServiceProcess? _process;

    private readonly OriginHost _origin;

    private readonly string? _assembly;

    /// <param name="assembly">Another build's <c>EdgeCommerce.Edge.dll</c> (a baseline); this repository's build by default.</param>
    public EdgeHost(string id, OriginHost origin, string dataDirectory, IEnumerable<string> settings, string? assembly = null)
    {
        _assembly = assembly;
        Id = id;
        _origin = origin;
        OriginGrpc = origin.GrpcAddress;
        DataDirectory = dataDirectory;
        _settings = settings.Select(static s => "--" + s).ToArray();
        Port = LoopbackPorts.Next();
        Address = new Uri(LoopbackPorts.Url(Port));
        Http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string Id { get; }

    public Uri OriginGrpc { get; }

    public string DataDirectory { get; }

    public int Port { get; }

    public Uri Address { get; }

    public HttpClient Http { get; }

    /// <summary>Stopwatch timestamp taken just before the current process was started.</summary>
    public long StartedAt { get; private set; }

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("Not started.");

    public string Output => _process?.Output ?? "";

    /// <summary>The process's state and last output lines, for failure messages.</summary>
    public string Describe()
        => _process is null
            ? $"edge {Id}: not started"
            : $"edge {Id} (pid {_process.Id}, {(_process.HasExited ? "EXITED" : "running")}), last output:\n{_process.Output}";

    public long? ResidentBytes => _process is { HasExited: false } p ? ProcessMemory.ResidentBytes(p.Id) : null;

    /// <summary>Starts the process and returns at once (see <see cref="WaitUntilReadyAsync"/>).</summary>
    public async Task StartAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        // Minted once: a restart presents the same token, as an edge with a token file would.
        var tokenPath = DataDirectory + ".sync.token";
        if (!File.Exists(tokenPath))
        {
            await File.WriteAllTextAsync(tokenPath, await _origin.MintSyncTokenAsync(Id, CancellationToken.None));
        }

        string[] arguments = [.. ServiceCommandLines.Edge(Id, "bench", Port, OriginGrpc.ToString(), DataDirectory, tokenPath), .. _settings];
        var assembly = _assembly ?? Repository.AssemblyPath("EdgeCommerce.Edge");
        StartedAt = Stopwatch.GetTimestamp();
        _process = TestServices.Start(Id, assembly, arguments, Environments.Production);
    }

    /// <summary>
    /// Polls <c>/readyz</c> every <paramref name="pollInterval"/> until it answers 200 and returns
    /// the time from process start (resolution: the poll interval plus one request).
    /// </summary>
    public async Task<TimeSpan> WaitUntilReadyAsync(TimeSpan pollInterval, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_process is null)
        {
            throw new InvalidOperationException($"Edge {Id} was not started.");
        }

        await _process.WaitForOkAsync(new Uri(Address, ServiceCommandLines.ReadyPath).ToString(), timeout - Stopwatch.GetElapsedTime(StartedAt), cancellationToken, pollInterval);
        return Stopwatch.GetElapsedTime(StartedAt);
    }

    /// <summary>
    /// Long-polls <c>/v1/edge/status?minRevision=N&amp;wait=…</c> until the edge has applied
    /// <paramref name="revision"/>; returns the <see cref="Stopwatch"/> timestamp at which the
    /// answer's headers arrived.
    /// </summary>
    public async Task<long> WaitForRevisionAsync(long revision, CancellationToken cancellationToken)
    {
        var uri = string.Create(CultureInfo.InvariantCulture, $"/v1/edge/status?minRevision={revision}&wait=10");
        while (true)
        {
            using var response = await Http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var arrived = Stopwatch.GetTimestamp();
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var status = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            if (status.RootElement.GetProperty("appliedRevision").GetInt64() >= revision)
            {
                return arrived;
            }
        }
    }

    public async Task<JsonElement> GetStatusAsync(CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync("/v1/edge/status", cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var status = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        return status.RootElement.Clone();
    }

    /// <summary>Polls the status (every 50 ms) until <paramref name="condition"/> holds.</summary>
    public async Task<JsonElement> WaitForStatusAsync(Func<JsonElement, bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        JsonElement status = default;
        while (elapsed.Elapsed < timeout)
        {
            status = await GetStatusAsync(cancellationToken);
            if (condition(status))
            {
                return status;
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"Edge {Id}: {what} did not happen within {timeout}. Last status: {status}\n{Output}");
    }

    /// <summary>Polls <c>GET /v1/drops/{dropId}</c> (every 20 ms) until the drop has reached this edge, or fails with its output.</summary>
    public Task WaitForDropAsync(string dropId, CancellationToken cancellationToken)
        => EdgeNode.WaitForDropAsync(Http, Id, dropId, Describe, TimeSpan.FromMilliseconds(20), cancellationToken);

    /// <summary>SIGTERM and wait (the edge persists its replica on the way out).</summary>
    public Task<int> StopAsync() => _process?.StopAsync(TimeSpan.FromSeconds(30)) ?? Task.FromResult(0);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        Http.Dispose();
    }
}
