using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Hosting.Processes;

namespace EdgeCommerce.Tests.Common;

/// <summary>A real edge process on a loopback port, following an origin (directly or through a relay).</summary>
public sealed class EdgeNode : IAsyncDisposable
{
    private readonly string[] _settings;
    private readonly string _syncToken;
    private ServiceProcess? _process;

    private EdgeNode(string id, string region, Uri originGrpc, string syncToken, string dataDirectory, int port, string[] settings)
    {
        _syncToken = syncToken;
        Id = id;
        Region = region;
        OriginGrpc = originGrpc;
        DataDirectory = dataDirectory;
        Port = port;
        _settings = settings;
        Http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Id { get; }

    public string Region { get; }

    public Uri OriginGrpc { get; }

    public string DataDirectory { get; }

    public int Port { get; }

    public Uri Address => new(LoopbackPorts.Url(Port));

    public HttpClient Http { get; }

    public string Output => _process?.Output ?? "";

    public int ProcessId => _process?.Id ?? 0;

    /// <summary>
    /// Starts an edge and waits until it is alive (not until it is ready: the origin may be down).
    /// <paramref name="syncToken"/> is its <c>edge:sync</c> token (<see cref="OriginNode.MintSyncTokenAsync"/>),
    /// handed over in a file beside its data, as an operator would.
    /// </summary>
    public static async Task<EdgeNode> StartAsync(string id, string region, Uri originGrpc, string syncToken, string dataDirectory, CancellationToken cancellationToken, params string[] settings)
    {
        var node = new EdgeNode(id, region, originGrpc, syncToken, dataDirectory, FreePort.Next(), settings);
        try
        {
            await node.StartProcessAsync(cancellationToken);
        }
        catch
        {
            // A process that never became ready may still run: nobody else holds it to stop it.
            await node.DisposeAsync();
            throw;
        }

        return node;
    }

    public Task RestartAsync(CancellationToken cancellationToken) => StartProcessAsync(cancellationToken);

    public Task KillAsync() => _process?.KillAsync() ?? Task.CompletedTask;

    public Task<int> StopAsync() => _process?.StopAsync() ?? Task.FromResult(0);

    public async Task<JsonElement> GetStatusAsync(CancellationToken cancellationToken)
        => await Http.GetFromJsonAsync<JsonElement>("/v1/edge/status", cancellationToken);

    /// <summary>Polls the status until <paramref name="condition"/> holds, or fails with the edge's output.</summary>
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

            await Task.Delay(25, cancellationToken);
        }

        throw new TimeoutException($"Edge {Id}: {what} did not happen within {timeout}. Last status: {status}\n{Output}");
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms for up to 60 s, or fails with <paramref name="what"/> and this edge's output.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
        => Poll.UntilAsync(condition, what, () => Output, TimeSpan.FromMilliseconds(200), cancellationToken);

    /// <summary>Polls <c>GET /v1/drops/{dropId}</c> until the drop has reached this edge, or fails with the edge's output.</summary>
    public Task WaitForDropAsync(string dropId, CancellationToken cancellationToken)
        => WaitForDropAsync(Http, Id, dropId, () => Output, TimeSpan.FromMilliseconds(50), cancellationToken);

    /// <summary>Polls <c>GET /v1/drops/{dropId}</c> on <paramref name="edge"/> for 20 s until the drop has reached it, or fails with <paramref name="describe"/>.</summary>
    public static async Task WaitForDropAsync(HttpClient edge, string edgeId, string dropId, Func<string> describe, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(edge);
        ArgumentNullException.ThrowIfNull(describe);
        var elapsed = Stopwatch.StartNew();
        while (elapsed.Elapsed < TimeSpan.FromSeconds(20))
        {
            using var response = await edge.GetAsync($"/v1/drops/{dropId}", cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(pollInterval, cancellationToken);
        }

        throw new TimeoutException($"Edge {edgeId} never received drop {dropId}.\n{describe()}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        Http.Dispose();
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        // Provisioned once, as an operator would: after that the file is the edge's, and holds what the origin renewed.
        var tokenPath = DataDirectory + ".sync.token";
        if (!File.Exists(tokenPath))
        {
            await File.WriteAllTextAsync(tokenPath, _syncToken, cancellationToken);
        }

        string[] arguments = [.. ServiceCommandLines.Edge(Id, Region, Port, OriginGrpc.ToString(), DataDirectory, tokenPath), .. _settings];
        _process = TestServices.Start(Id, Repository.AssemblyPath("EdgeCommerce.Edge"), arguments);
        await _process.WaitForOkAsync(new Uri(Address, ServiceCommandLines.AlivePath).ToString(), TimeSpan.FromSeconds(60), cancellationToken);
    }
}
