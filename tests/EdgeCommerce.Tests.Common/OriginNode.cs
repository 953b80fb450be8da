using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Hosting.Processes;

namespace EdgeCommerce.Tests.Common;

/// <summary>A real origin process on loopback ports, restartable on the same ports and data.</summary>
public sealed class OriginNode : IAsyncDisposable
{
    private ServiceProcess? _process;

    private OriginNode(string dataDirectory, int httpPort, int grpcPort)
    {
        DataDirectory = dataDirectory;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
        Http = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string DataDirectory { get; }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    public Uri HttpAddress => new(LoopbackPorts.Url(HttpPort));

    public Uri GrpcAddress => new(LoopbackPorts.Url(GrpcPort));

    /// <summary>A client for the admin API, carrying the platform operator token the origin wrote at startup.</summary>
    public HttpClient Http { get; }

    /// <summary>The platform operator token (every admin scope) the origin wrote to <c>admin.token</c> in its data directory.</summary>
    public string AdminToken { get; private set; } = "";

    public string Output => _process?.Output ?? "";

    /// <summary>The running process's id (for <see cref="PosixSignals"/>); 0 when not running.</summary>
    public int ProcessId => _process?.Id ?? 0;

    /// <summary>Where the origin writes its platform operator token at startup.</summary>
    public string AdminTokenPath => Path.Combine(DataDirectory, "admin.token");

    public static async Task<OriginNode> StartAsync(string dataDirectory, CancellationToken cancellationToken, params string[] settings)
    {
        var node = new OriginNode(dataDirectory, FreePort.Next(), FreePort.Next());
        try
        {
            await node.StartProcessAsync(settings, cancellationToken);
        }
        catch
        {
            // A process that never became ready may still run: nobody else holds it to stop it.
            await node.DisposeAsync();
            throw;
        }

        return node;
    }

    /// <summary>Starts the process again on the same ports and data (after a stop or a kill).</summary>
    public Task RestartAsync(CancellationToken cancellationToken, params string[] settings) => StartProcessAsync(settings, cancellationToken);

    /// <summary>PUTs a catalog through the admin API and returns the revision it landed as.</summary>
    public async Task<long> PushCatalogAsync(string creatorId, string catalogJson, CancellationToken cancellationToken)
    {
        using var response = await Http.PutAsync($"/admin/v1/creators/{creatorId}/catalog", new StringContent(catalogJson, Encoding.UTF8, "application/json"), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"PUT catalog {creatorId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("revision").GetInt64();
    }

    /// <summary>Pushes a one-product catalog selling <paramref name="skuIds"/> (drops sell only catalog SKUs); returns its revision.</summary>
    public Task<long> PushSkusAsync(string creatorId, CancellationToken cancellationToken, params string[] skuIds)
        => PushCatalogAsync(creatorId, SkuCatalog(skuIds), cancellationToken);

    /// <summary>A valid catalog JSON with one product selling <paramref name="skuIds"/>.</summary>
    public static string SkuCatalog(params string[] skuIds)
        => "{\"products\":[{\"id\":\"p1\",\"title\":\"Tour hoodie\",\"description\":\"Heavy cotton\",\"imageUrl\":\"https://cdn.example.com/p1.png\","
            + "\"price\":{\"amountMinor\":5900,\"currency\":\"EUR\"},\"skus\":["
            + string.Join(",", skuIds.Select(static id => "{\"id\":\"" + id + "\",\"label\":\"" + id + "\"}")) + "]}]}";

    /// <summary>Reads <c>admin.token</c> again (the origin rewrites it at startup and after a key revocation).</summary>
    public async Task RefreshAdminTokenAsync(CancellationToken cancellationToken)
    {
        AdminToken = (await File.ReadAllTextAsync(AdminTokenPath, cancellationToken)).Trim();
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
    }

    /// <summary>Mints a token through the admin API (<c>POST /admin/v1/tokens</c>).</summary>
    /// <summary>GET an admin resource with <paramref name="token"/>; a non-success answer throws with its body.</summary>
    public async Task<JsonElement> GetAdminAsync(string path, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    public async Task<string> MintTokenAsync(string subject, string? creatorId, IReadOnlyList<string> scopes, string audience, CancellationToken cancellationToken, long ttlSeconds = 3600, string? tier = null)
    {
        using var response = await Http.PostAsJsonAsync("/admin/v1/tokens",
            new { subject, creatorId, scopes, ttlSeconds, audience, tier }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /admin/v1/tokens: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
    }

    /// <summary>The <c>edge:sync</c> token an edge named <paramref name="edgeId"/> presents to this origin.</summary>
    public Task<string> MintSyncTokenAsync(string edgeId, CancellationToken cancellationToken)
        => MintTokenAsync(edgeId, null, ["edge:sync"], "origin", cancellationToken, ttlSeconds: 86_400);

    /// <summary>Starts an edge following this origin (or <paramref name="via"/>, a relay in front of it) with its own sync token.</summary>
    public async Task<EdgeNode> StartEdgeAsync(string id, string region, string dataDirectory, CancellationToken cancellationToken, Uri? via = null, params string[] settings)
        => await EdgeNode.StartAsync(id, region, via ?? GrpcAddress, await MintSyncTokenAsync(id, cancellationToken), dataDirectory, cancellationToken, settings);

    /// <summary>A one-product catalog whose title is <paramref name="title"/>.</summary>
    public static string SimpleCatalog(string title, string productId = "tee-01")
        => $$"""{"products":[{"id":"{{productId}}","title":"{{title}}","price":{"amountMinor":2500,"currency":"EUR"},"skus":[{"id":"{{productId}}-m","label":"M"}]}]}""";

    public Task KillAsync() => _process?.KillAsync() ?? Task.CompletedTask;

    public Task<int> StopAsync() => _process?.StopAsync() ?? Task.FromResult(0);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        Http.Dispose();
    }

    private async Task StartProcessAsync(string[] settings, CancellationToken cancellationToken)
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _process = TestServices.Start("origin", Repository.AssemblyPath("EdgeCommerce.Origin"), [.. ServiceCommandLines.Origin(HttpPort, GrpcPort, DataDirectory, AdminTokenPath), .. settings]);
        await _process.WaitForOkAsync(new Uri(HttpAddress, ServiceCommandLines.ReadyPath).ToString(), TimeSpan.FromSeconds(60), cancellationToken);
        await RefreshAdminTokenAsync(cancellationToken);
    }
}
