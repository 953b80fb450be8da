using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeCommerce.Contracts.Edges;

namespace EdgeCommerce.Cli.Common;

/// <summary>The origin's admin API (<c>/admin/v1</c>), as the CLI uses it.</summary>
internal sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="origin">The origin's HTTP URL.</param>
    /// <param name="token">The admin token sent as <c>Authorization: Bearer</c>; null sends none (the origin then answers 401).</param>
    /// <param name="handler">For tests: the handler requests go through.</param>
    public AdminClient(Uri origin, string? token, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(origin);
        Origin = origin;
        HasToken = token is not null;
        // A loopback origin (the local stack) is never reached through an HTTP_PROXY from the environment.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { UseProxy = !origin.IsLoopback }, disposeHandler: true)
        {
            BaseAddress = origin,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri Origin { get; }

    /// <summary>True when requests carry a token.</summary>
    public bool HasToken { get; }

    public Task<AdminResponse> ListCreatorsAsync(CancellationToken cancellationToken)
        => SendAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/v1/creators"), cancellationToken);

    /// <summary>Every creator on the origin, typed.</summary>
    /// <exception cref="CliException">The origin answered with an error or with something else than a creator list.</exception>
    public async Task<IReadOnlyList<CreatorSummary>> GetCreatorsAsync(CancellationToken cancellationToken)
    {
        var response = await ListCreatorsAsync(cancellationToken);
        if (!response.IsSuccess)
        {
            throw new CliException("Unable to list creators:" + Environment.NewLine + ProblemReport.Format(response));
        }

        try
        {
            return JsonSerializer.Deserialize(response.Body, CliJsonContext.Default.CreatorList)?.Creators
                ?? throw new CliException("The origin answered the creator list with JSON null.");
        }
        catch (JsonException ex)
        {
            throw new CliException("The origin's creator list is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>Every edge the origin knows, with its lag.</summary>
    /// <exception cref="CliException">The origin answered with an error or with something else than an edge list.</exception>
    public async Task<EdgeList> GetEdgesAsync(CancellationToken cancellationToken)
    {
        var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/v1/edges"), cancellationToken);
        if (!response.IsSuccess)
        {
            throw new CliException("Unable to list edges:" + Environment.NewLine + ProblemReport.Format(response));
        }

        try
        {
            return JsonSerializer.Deserialize(response.Body, CliJsonContext.Default.EdgeList)
                ?? throw new CliException("The origin answered the edge list with JSON null.");
        }
        catch (JsonException ex)
        {
            throw new CliException("The origin's edge list is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>POSTs a JSON body (or nothing) to an admin path and returns the answer as is.</summary>
    public Task<AdminResponse> PostAsync(string path, string? json, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return SendAsync(request, cancellationToken);
    }

    /// <summary>Mints a token (<c>POST /admin/v1/tokens</c>) and returns it with its expiry as the origin wrote it.</summary>
    /// <exception cref="CliException">The origin refused the request (the message names every error).</exception>
    public async Task<(string Token, string ExpiresAt)> MintTokenAsync(JsonObject request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await PostAsync("/admin/v1/tokens", request.ToJsonString(), cancellationToken);
        if (!response.IsSuccess)
        {
            throw new CliException("The origin refused to mint the token:" + Environment.NewLine + ProblemReport.Format(response));
        }

        using var body = JsonDocument.Parse(response.Body);
        return (body.RootElement.GetProperty("token").GetString() ?? throw new CliException("The origin minted a null token."),
            body.RootElement.GetProperty("expiresAt").GetString() ?? "");
    }

    /// <summary>
    /// An <c>edge:sync</c> token for the edge <paramref name="edgeId"/>, for the longest lifetime the
    /// origin allows by default (24 hours); the origin renews it over the edge's stream.
    /// </summary>
    public async Task<string> MintSyncTokenAsync(string edgeId, CancellationToken cancellationToken)
    {
        var (token, _) = await MintTokenAsync(new JsonObject
        {
            ["subject"] = edgeId,
            ["scopes"] = new JsonArray("edge:sync"),
            ["ttlSeconds"] = 86_400,
            ["audience"] = "origin",
        }, cancellationToken);
        return token;
    }

    public Task<AdminResponse> GetAsync(string path, CancellationToken cancellationToken)
        => SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    public Task<AdminResponse> DeleteAsync(string path, CancellationToken cancellationToken)
        => SendAsync(new HttpRequestMessage(HttpMethod.Delete, path), cancellationToken);

    /// <summary>PUTs a JSON body to an admin path and returns the answer as is.</summary>
    public Task<AdminResponse> PutAsync(string path, string json, CancellationToken cancellationToken)
        => SendAsync(new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") }, cancellationToken);

    public Task<AdminResponse> GetCatalogAsync(string creatorId, CancellationToken cancellationToken)
        => SendAsync(new HttpRequestMessage(HttpMethod.Get, CatalogPath(creatorId)), cancellationToken);

    /// <summary>PUTs a catalog document as is: the origin validates it and names every error.</summary>
    /// <param name="force">Withdraw SKUs that scheduled or running drops sell instead of being refused with 409.</param>
    public Task<AdminResponse> PutCatalogAsync(string creatorId, byte[] document, string? ifMatch, CancellationToken cancellationToken, bool force = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, force ? CatalogPath(creatorId) + "?force=true" : CatalogPath(creatorId))
        {
            Content = new ByteArrayContent(document) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        if (ifMatch is not null)
        {
            // Added unvalidated: the origin owns the ETag format and answers 412 for a stale or foreign tag.
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return SendAsync(request, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private static string CatalogPath(string creatorId) => "/admin/v1/creators/" + Uri.EscapeDataString(creatorId) + "/catalog";

    private async Task<AdminResponse> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                using var response = await _http.SendAsync(request, cancellationToken);
                if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
                {
                    // The origin never says why a token failed; say what the CLI can check.
                    throw new CliException(HasToken
                        ? $"The origin at {Origin} refused the admin token (401): it is expired, revoked, or from another origin. Mint a new one, or restart `edgecommerce up` to rewrite <data>/{AdminConnection.TokenFileName}."
                        : $"The origin at {Origin} requires an admin token: pass --token, set {AdminConnection.TokenVariable}, or use the --data directory of a stack started by `edgecommerce up` (it writes {AdminConnection.TokenFileName}).");
                }

                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                return new AdminResponse(response.StatusCode, response.ReasonPhrase, body,
                    response.Content.Headers.ContentType?.MediaType, response.Headers.ETag?.ToString());
            }
            catch (HttpRequestException ex)
            {
                throw new CliException($"Unable to reach the origin at {Origin}: {ex.Message} Is the stack running (`edgecommerce up`)?", ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException($"The origin at {Origin} did not answer within {_http.Timeout.TotalSeconds:0} s.", ex);
            }
        }
    }
}
