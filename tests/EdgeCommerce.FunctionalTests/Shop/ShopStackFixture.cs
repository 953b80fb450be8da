using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Tests.Common;
using Microsoft.Playwright;

namespace EdgeCommerce.FunctionalTests.Shop;

/// <summary>
/// One stack for every shop browser test: a real origin and a real edge (processes, gRPC, SQLite),
/// three creators, each with a drop of its own so tests never share stock, and one headless
/// Chromium (Debian's, through Playwright). Started once per test class.
/// </summary>
public sealed class ShopStackFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Two units, open now, one per viewer: two viewers buy it out.</summary>
    public const string LiveCreator = "shop-live";
    public const string LiveDrop = "live-drop";
    public const string LiveSku = "hoodie-m";

    /// <summary>Opens to everyone in 30 minutes; early access now for viewers who RSVP'd.</summary>
    public const string EarlyCreator = "shop-early";
    public const string EarlyDrop = "early-drop";

    /// <summary>Open now, plenty of units: the waiting-room test.</summary>
    public const string QueueCreator = "shop-queue";
    public const string QueueDrop = "queue-drop";

    private readonly TempDirectory _data = new("edgecommerce-shop");
    private IPlaywright? _playwright;

    public bool Available => File.Exists(Chromium);

    /// <summary>The port of the creator's site (<c>http://127.0.0.1:P</c>), which the edge allows for <see cref="LiveCreator"/>; the embed test listens there.</summary>
    public int SitePort { get; } = FreePort.Next();

    /// <summary>The port of another site, allowed for no creator.</summary>
    public int OtherPort { get; } = FreePort.Next();

    public OriginNode Origin { get; private set; } = null!;

    public EdgeNode Edge { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Screenshots land here: <c>artifacts/test-results/shop/</c>.</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(Repository.Root, "artifacts", "test-results", "shop");

    public async ValueTask InitializeAsync()
    {
        if (!Available)
        {
            return;
        }

        var cancellationToken = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(ScreenshotDirectory);
        Origin = await OriginNode.StartAsync(_data.Combine("origin"), cancellationToken);
        await Origin.PushCatalogAsync(LiveCreator, Catalog("hoodie", "tee", "cap"), cancellationToken);
        await Origin.PushCatalogAsync(EarlyCreator, Catalog("poster", "mug"), cancellationToken);
        await Origin.PushCatalogAsync(QueueCreator, Catalog("vinyl", "tote"), cancellationToken);
        var now = TimeProvider.System.GetUtcNow();
        await PutDropAsync(LiveCreator, LiveDrop, now.AddMinutes(-1), now.AddHours(1), null, LiveSku, 2, cancellationToken);
        // The queue creator's drop is put by its test, starting a few seconds later (the waiting room admits at the start).
        var head = await PutDropAsync(EarlyCreator, EarlyDrop, now.AddMinutes(30), now.AddHours(2), new { minutes = 60, audience = "rsvp" }, "poster-m", 3, cancellationToken);
        Edge = await Origin.StartEdgeAsync("edge-shop", "eu-west", _data.Combine("edge"), cancellationToken, null, $"--Shop:AllowedOrigins:{LiveCreator}:0=http://127.0.0.1:{SitePort}");
        await Edge.WaitForStatusAsync(s => s.GetProperty("ready").GetBoolean() && s.GetProperty("appliedRevision").GetInt64() >= head,
            TimeSpan.FromSeconds(60), "the drops", cancellationToken);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A viewer token from the creator's site's point of view (<c>POST /admin/v1/creators/{id}/viewer-tokens</c>).</summary>
    public async Task<string> ViewerTokenAsync(string creatorId, string viewerId, CancellationToken cancellationToken)
    {
        using var response = await Origin.Http.PostAsJsonAsync($"/admin/v1/creators/{creatorId}/viewer-tokens", new { viewerId }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
    }

    /// <summary>A phone-sized page (390×844) whose every request is checked to stay on the edge.</summary>
    public async Task<ShopPage> OpenAsync(string creatorId, string? token)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true });
        var page = await context.NewPageAsync();
        var shop = new ShopPage(context, page, Edge.Address);
        await page.GotoAsync(new Uri(Edge.Address, $"/shop/{creatorId}").ToString() + (token is null ? "" : "#token=" + token));
        return shop;
    }

    public Task ScreenshotAsync(IPage page, string name)
        => page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Edge is not null)
        {
            await Edge.DisposeAsync();
        }

        if (Origin is not null)
        {
            await Origin.DisposeAsync();
        }

        _data.Dispose();
    }

    /// <summary>Schedules (or edits) a drop of one SKU at the origin; returns its revision.</summary>
    public Task<long> PutDropAsync(string creatorId, string dropId, DateTimeOffset startsAt, DateTimeOffset endsAt, object? earlyAccess, string skuId, int units, CancellationToken cancellationToken)
        => PutDropAsync(creatorId, dropId, startsAt, endsAt, earlyAccess, [(skuId, units)], cancellationToken);

    /// <summary>Schedules (or edits) a drop of several SKUs (allocations in the order given); returns its revision.</summary>
    public async Task<long> PutDropAsync(string creatorId, string dropId, DateTimeOffset startsAt, DateTimeOffset endsAt, object? earlyAccess, (string SkuId, int Units)[] allocations, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["title"] = "Drop of " + creatorId,
            ["startsAt"] = startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["endsAt"] = endsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["earlyAccess"] = earlyAccess,
            ["perViewerLimit"] = 1,
            ["allocations"] = allocations.Select(static a => new { skuId = a.SkuId, units = a.Units }).ToArray(),
        }.Where(static pair => pair.Value is not null).ToDictionary());
        using var response = await Origin.Http.PutAsync($"/admin/v1/creators/{creatorId}/drops/{dropId}", new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
        var answer = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"PUT drop {dropId}: {(int)response.StatusCode} {answer}");
        }

        using var json = JsonDocument.Parse(answer);
        return json.RootElement.GetProperty("revision").GetInt64();
    }

    private static string Catalog(params string[] kinds)
        => "{\"products\":[" + string.Join(",", kinds.Select(static (kind, i) =>
            $$"""{"id":"{{kind}}","title":"Tour {{kind}}","description":"The {{kind}} of the tour","imageUrl":"/images/demo/{{kind}}.svg","price":{"amountMinor":{{1500 + (i * 1000)}},"currency":"EUR"},"skus":[{"id":"{{kind}}-m","label":"M"},{"id":"{{kind}}-l","label":"L"}]}""")) + "]}";
}

/// <summary>One viewer's browser tab on the shop, with every request that left for another host and every console error.</summary>
public sealed class ShopPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;

    public ShopPage(IBrowserContext context, IPage page, Uri edge)
    {
        _context = context;
        Page = page;
        var allowed = edge.GetLeftPart(UriPartial.Authority);
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(allowed, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                ExternalRequests.Add(request.Url);
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                FailedResponses.Add(response.Status + " " + response.Request.Method + " " + new Uri(response.Url).PathAndQuery);
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                ConsoleErrors.Add(message.Text);
            }
        };
    }

    public IPage Page { get; }

    public List<string> ExternalRequests { get; } = [];

    public List<string> ConsoleErrors { get; } = [];

    /// <summary>Every answer of 400 or more the page received: <c>"403 POST /v1/…"</c>.</summary>
    public List<string> FailedResponses { get; } = [];

    public ILocator State => Page.Locator("#state");

    public ILocator Left(string skuId) => Page.Locator($"#stock li[data-sku-id='{skuId}'] .left");

    public ILocator Reserve(string skuId) => Page.Locator($"#stock li[data-sku-id='{skuId}'] button.reserve");

    /// <summary>The SKU's row: <c>data-why</c> says why its Reserve button is off, <c>.why</c> says it in words.</summary>
    public ILocator Why(string skuId) => Page.Locator($"#stock li[data-sku-id='{skuId}']");

    /// <summary>Presses a button the way a keyboard user does: focus, then Enter.</summary>
    public async Task PressAsync(ILocator button)
    {
        // As long as the other live waits: on this shared machine the page can take more than
        // Playwright's default 5 s to get the drop's stock that enables a Reserve button.
        await Assertions.Expect(button).ToBeEnabledAsync(new() { Timeout = 20_000 });
        await button.FocusAsync();
        await Page.Keyboard.PressAsync("Enter");
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
