using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Up;

/// <summary>
/// DEMO ONLY. A stand-in for a creator's own website, started by <c>up</c>: one page per demo
/// creator that embeds the shop with the edge's <c>/embed.js</c>, and <c>POST /token/{creatorId}</c>,
/// which hands the visitor a viewer token without any sign-in (a cookie names a random demo
/// viewer). A real creator's site would sign its viewers in and call
/// <c>POST /admin/v1/creators/{id}/viewer-tokens</c> from its back end exactly like this, with
/// its own <c>admin:viewers</c> token. Tokens are never logged or put in a URL.
/// </summary>
internal sealed class DemoCreatorSite : IAsyncDisposable
{
    private const string ViewerCookie = "demo_viewer";
    private static readonly TimeSpan s_viewerTokenLifetime = TimeSpan.FromMinutes(15);

    private readonly HttpListener _listener = new();
    private readonly HttpClient _origin;
    private readonly IReadOnlyDictionary<string, string> _siteTokens;
    private readonly string _edgeUrl;
    private readonly string _originUrl;
    private readonly string _region;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    private DemoCreatorSite(int port, string originUrl, string edgeUrl, string region, IReadOnlyDictionary<string, string> siteTokens)
    {
        Url = ServiceDefinitionsUrl(port);
        _originUrl = originUrl;
        _edgeUrl = edgeUrl;
        _region = region;
        _siteTokens = siteTokens;
        _origin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(originUrl), Timeout = TimeSpan.FromSeconds(10) };
        _listener.Prefixes.Add(Url + "/");
    }

    /// <summary><c>http://127.0.0.1:P</c>: the origin edges must allow for the demo creators (<c>Shop:AllowedOrigins</c>).</summary>
    public string Url { get; }

    /// <summary>
    /// Mints each creator's site token (<c>admin:viewers</c> for that creator only, 24 h), as a
    /// creator would once for their back end.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> MintSiteTokensAsync(AdminClient admin, IReadOnlyList<string> creatorIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var creatorId in creatorIds)
        {
            var (token, _) = await admin.MintTokenAsync(new JsonObject
            {
                ["subject"] = "demo-site-" + creatorId,
                ["creatorId"] = creatorId,
                ["scopes"] = new JsonArray("admin:viewers"),
                ["ttlSeconds"] = 86_400,
                ["audience"] = "origin",
            }, cancellationToken);
            tokens[creatorId] = token;
        }

        return tokens;
    }

    public static DemoCreatorSite Start(int port, string originUrl, string edgeUrl, string region, IReadOnlyDictionary<string, string> siteTokens)
    {
        var site = new DemoCreatorSite(port, originUrl, edgeUrl, region, siteTokens);
        try
        {
            site._listener.Start();
        }
        catch (HttpListenerException)
        {
            site._listener.Close();
            site._origin.Dispose();
            site._stop.Dispose();
            throw;
        }

        site._loop = site.RunAsync();
        return site;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or OperationCanceledException)
            {
                // Stopping: the pending accept ends this way.
            }
        }

        _listener.Close();
        _origin.Dispose();
        _stop.Dispose();
    }

    internal static string ServiceDefinitionsUrl(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var path = context.Request.Url?.AbsolutePath ?? "/";
            var method = context.Request.HttpMethod;
            if (method == "GET" && path == "/")
            {
                await WriteAsync(response, 200, "text/html; charset=utf-8", IndexPage());
            }
            else if (method == "GET" && path.StartsWith("/c/", StringComparison.Ordinal) && _siteTokens.ContainsKey(path[3..]))
            {
                await WriteAsync(response, 200, "text/html; charset=utf-8", CreatorPage(path[3..]));
            }
            else if (method == "POST" && path.StartsWith("/token/", StringComparison.Ordinal) && _siteTokens.TryGetValue(path[7..], out var siteToken))
            {
                await IssueViewerTokenAsync(context, siteToken, path[7..]);
            }
            else
            {
                await WriteAsync(response, 404, "text/plain; charset=utf-8", "Not found.");
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or HttpRequestException or TaskCanceledException or JsonException)
        {
            // DEMO ONLY: a failed request fails alone; the stack keeps running.
            TryAbort(response);
        }
    }

    private async Task IssueViewerTokenAsync(HttpListenerContext context, string siteToken, string creatorId)
    {
        var viewerId = context.Request.Cookies[ViewerCookie]?.Value;
        if (viewerId is null || !EdgeCommerce.Contracts.Identifiers.IsValid(viewerId) || !viewerId.StartsWith("demo-", StringComparison.Ordinal))
        {
            viewerId = "demo-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            context.Response.AppendHeader("Set-Cookie", $"{ViewerCookie}={viewerId}; Path=/; HttpOnly; SameSite=Strict");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/admin/v1/creators/{creatorId}/viewer-tokens")
        {
            Content = new StringContent(
                new JsonObject { ["viewerId"] = viewerId, ["ttlSeconds"] = (int)s_viewerTokenLifetime.TotalSeconds }.ToJsonString(),
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", siteToken);
        using var minted = await _origin.SendAsync(request, _stop.Token);
        if (!minted.IsSuccessStatusCode)
        {
            await WriteAsync(context.Response, 503, "application/json", "{\"error\":\"the origin did not issue a viewer token\"}");
            return;
        }

        using var body = JsonDocument.Parse(await minted.Content.ReadAsStringAsync(_stop.Token));
        var token = body.RootElement.GetProperty("token").GetString();
        context.Response.AppendHeader("Cache-Control", "no-store");
        await WriteAsync(context.Response, 200, "application/json", new JsonObject { ["token"] = token, ["viewerId"] = viewerId }.ToJsonString());
    }

    private string IndexPage()
    {
        var links = string.Concat(_siteTokens.Keys.Order(StringComparer.Ordinal).Select(id => $"<li><a href=\"/c/{Encode(id)}\">{Encode(id)}</a></li>"));
        return Page("Creator sites (DEMO ONLY)", $"<p>Pick a creator's stand-in site; each embeds its shop from the nearest edge.</p><ul>{links}</ul>");
    }

    private string CreatorPage(string creatorId)
        => Page(creatorId + " (DEMO ONLY)", $"""
            <p>This stands in for <strong>{Encode(creatorId)}</strong>'s own site. The shop below is served by an edge and embedded with one script tag:</p>
            <pre style="white-space: pre-wrap; overflow-wrap: anywhere; background: #f3f3f5; padding: .5rem;">&lt;script src="{Encode(_edgeUrl)}/embed.js" data-creator="{Encode(creatorId)}" data-origin="{Encode(_originUrl)}" data-region="{Encode(_region)}" data-target="shop" data-token-url="/token/{Encode(creatorId)}" async&gt;&lt;/script&gt;</pre>
            <div id="shop"></div>
            <script src="{Encode(_edgeUrl)}/embed.js" data-creator="{Encode(creatorId)}" data-origin="{Encode(_originUrl)}" data-region="{Encode(_region)}" data-target="shop" data-token-url="/token/{Encode(creatorId)}" async></script>
            """);

    private static string Page(string title, string content) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{Encode(title)}</title></head>
        <body style="font-family: system-ui, sans-serif; margin: 0 auto; max-width: 48rem; padding: 1rem;">
        <p role="note" style="background: #ffe08a; border: 2px solid #b38600; padding: .75rem; font-weight: 600;">DEMO ONLY: a stand-in for a creator's website. It gives every visitor a demo viewer token without signing in. Never deploy it.</p>
        <h1>{Encode(title)}</h1>
        {content}
        </body></html>
        """;

    private static string Encode(string value) => WebUtility.HtmlEncode(value);

    private static async Task WriteAsync(HttpListenerResponse response, int status, string contentType, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    private static void TryAbort(HttpListenerResponse response)
    {
        try
        {
            response.Abort();
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
    }
}
