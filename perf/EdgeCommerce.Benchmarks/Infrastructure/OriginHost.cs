using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCommerce.Hosting.Processes;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>
/// A real origin process (the Release build users run) on free loopback ports. Built on
/// <see cref="ServiceProcess"/>, which exposes the process id for RSS; runs in the Production
/// environment, as deployed.
/// </summary>
internal sealed class OriginHost : IAsyncDisposable
{
    private static readonly string[] s_syncScopes = ["edge:sync"];

    private readonly ServiceProcess _process;

    private OriginHost(ServiceProcess process, int httpPort, int grpcPort)
    {
        _process = process;
        HttpAddress = new Uri(LoopbackPorts.Url(httpPort));
        GrpcAddress = new Uri(LoopbackPorts.Url(grpcPort));
        Admin = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri HttpAddress { get; }

    public Uri GrpcAddress { get; }

    /// <summary>The admin API, with the platform operator token the origin wrote at startup.</summary>
    public HttpClient Admin { get; }

    public int ProcessId => _process.Id;

    public string Output => _process.Output;

    /// <param name="assembly">Another build's <c>EdgeCommerce.Origin.dll</c> (a baseline); this repository's build by default.</param>
    public static async Task<OriginHost> StartAsync(string dataDirectory, IEnumerable<string> settings, CancellationToken cancellationToken, string? assembly = null)
    {
        var httpPort = LoopbackPorts.Next();
        var grpcPort = LoopbackPorts.Next();
        string[] arguments =
        [
            .. ServiceCommandLines.Origin(httpPort, grpcPort, dataDirectory, Path.Combine(dataDirectory, "admin.token")),
            .. settings.Select(static s => "--" + s),
        ];
        var process = TestServices.Start("origin", assembly ?? Repository.AssemblyPath("EdgeCommerce.Origin"), arguments, Environments.Production);
        var host = new OriginHost(process, httpPort, grpcPort);
        await process.WaitForOkAsync(new Uri(host.HttpAddress, ServiceCommandLines.ReadyPath).ToString(), TimeSpan.FromSeconds(120), cancellationToken);
        var adminToken = (await File.ReadAllTextAsync(Path.Combine(dataDirectory, "admin.token"), cancellationToken)).Trim();
        host.Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        return host;
    }

    /// <summary>The <c>edge:sync</c> token an edge named <paramref name="edgeId"/> presents to this origin.</summary>
    public Task<string> MintSyncTokenAsync(string edgeId, CancellationToken cancellationToken)
        => MintTokenAsync(edgeId, null, s_syncScopes, "origin", cancellationToken, ttlSeconds: 86_400);

    /// <summary>An access token minted by this origin's admin API (a viewer belongs to <paramref name="creatorId"/>: edges answer another creator's viewer 404).</summary>
    public async Task<string> MintTokenAsync(string subject, string? creatorId, string[] scopes, string audience, CancellationToken cancellationToken, int ttlSeconds = 7200)
    {
        using var content = new StringContent(
            JsonSerializer.Serialize(new { subject, creatorId, scopes, ttlSeconds, audience }),
            System.Text.Encoding.UTF8, "application/json");
        using var response = await Admin.PostAsync("/admin/v1/tokens", content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /admin/v1/tokens: {(int)response.StatusCode} {body}");
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>PUTs a catalog; returns the revision and the timestamps (<see cref="Stopwatch"/>) of the send and of the response headers.</summary>
    public async Task<CatalogPut> PutCatalogAsync(string creatorId, byte[] catalogJson, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/admin/v1/creators/{creatorId}/catalog") { Content = new ByteArrayContent(catalogJson) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var sent = Stopwatch.GetTimestamp();
        using var response = await Admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var answered = Stopwatch.GetTimestamp();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"PUT catalog {creatorId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        return new CatalogPut(json.RootElement.GetProperty("revision").GetInt64(), sent, answered);
    }

    /// <summary>PUTs a one-product catalog selling <paramref name="skuId"/> (a drop sells only catalog SKUs).</summary>
    public Task<CatalogPut> PutSkuCatalogAsync(string creatorId, string skuId, CancellationToken cancellationToken)
        => PutCatalogAsync(creatorId, System.Text.Encoding.UTF8.GetBytes(OriginNode.SkuCatalog(skuId)), cancellationToken);

    /// <summary>PUTs a drop selling <paramref name="units"/> of <paramref name="skuId"/> (a SKU of the creator's catalog), with the admin token.</summary>
    public async Task PutDropAsync(string creatorId, string dropId, string title, DateTimeOffset startsAt, DateTimeOffset endsAt, int perViewerLimit, string skuId, int units, CancellationToken cancellationToken)
    {
        using var content = new StringContent(JsonSerializer.Serialize(new
        {
            title,
            startsAt = startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            endsAt = endsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            perViewerLimit,
            allocations = new[] { new { skuId, units } },
        }), System.Text.Encoding.UTF8, "application/json");
        using var response = await Admin.PutAsync($"/admin/v1/creators/{creatorId}/drops/{dropId}", content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"PUT drop {dropId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    public Task<int> StopAsync() => _process.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Admin.Dispose();
    }
}
