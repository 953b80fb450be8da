using System.Text.Json;
using Microsoft.Playwright;

namespace EdgeCommerce.FunctionalTests.Shop;

/// <summary>
/// The shop page in headless Chromium over a real origin and edge: live stock between two viewers,
/// sold out, recommendations, "not open for you yet" then RSVP, the waiting room's 202 contract,
/// and the page working with the origin killed. Each state is saved as a screenshot under
/// <c>artifacts/test-results/shop/</c>. Buttons are pressed from the keyboard (focus + Enter).
/// </summary>
public sealed class ShopBrowserTests(ShopStackFixture stack) : IClassFixture<ShopStackFixture>
{
    private static readonly LocatorAssertionsToHaveAttributeOptions s_live = new() { Timeout = 20_000 };

    [Fact]
    public async Task TwoViewers_OneReserves_TheOtherSeesStockDropLiveThenSoldOut()
    {
        SkipWithoutChromium();
        var ct = TestContext.Current.CancellationToken;
        const string sku = ShopStackFixture.LiveSku;

        // Arrange: three viewers on the same drop (two units, one each).
        await using var alice = await stack.OpenAsync(ShopStackFixture.LiveCreator, await stack.ViewerTokenAsync(ShopStackFixture.LiveCreator, "alice", ct));
        await using var bob = await stack.OpenAsync(ShopStackFixture.LiveCreator, await stack.ViewerTokenAsync(ShopStackFixture.LiveCreator, "bob", ct));
        await using var carol = await stack.OpenAsync(ShopStackFixture.LiveCreator, await stack.ViewerTokenAsync(ShopStackFixture.LiveCreator, "carol", ct));
        foreach (var viewer in new[] { alice, bob, carol })
        {
            await Assertions.Expect(viewer.Left(sku)).ToHaveAttributeAsync("data-available", "2", s_live);
            await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "idle", s_live);
            // Marks this document: a reload would lose it.
            await viewer.Page.EvaluateAsync("() => { window.__sameDocument = true; }");
        }

        await stack.ScreenshotAsync(bob.Page, "01-open-2-left");

        // Act 1: Alice reserves; the token never shows in the address bar.
        await alice.PressAsync(alice.Reserve(sku));
        await Assertions.Expect(alice.State).ToHaveAttributeAsync("data-state", "reserved", s_live);
        await Assertions.Expect(alice.Page.Locator("#confirm")).ToBeFocusedAsync();
        await Assertions.Expect(alice.State).ToContainTextAsync("confirm within");
        await stack.ScreenshotAsync(alice.Page, "02-reserved-with-timer");

        // Assert 1: Bob sees one left without reloading.
        await Assertions.Expect(bob.Left(sku)).ToHaveAttributeAsync("data-available", "1", s_live);
        await Assertions.Expect(bob.Left(sku)).ToHaveTextAsync("1 left");
        await stack.ScreenshotAsync(bob.Page, "03-other-viewer-sees-1-left-live");

        // Act 2: Alice confirms; Bob reserves the last unit and confirms.
        await alice.PressAsync(alice.Page.Locator("#confirm"));
        await Assertions.Expect(alice.State).ToHaveAttributeAsync("data-state", "confirmed", s_live);
        await stack.ScreenshotAsync(alice.Page, "04-confirmed");
        await bob.PressAsync(bob.Reserve(sku));
        await Assertions.Expect(bob.State).ToHaveAttributeAsync("data-state", "reserved", s_live);
        await bob.PressAsync(bob.Page.Locator("#confirm"));
        await Assertions.Expect(bob.State).ToHaveAttributeAsync("data-state", "confirmed", s_live);

        // Assert 2: Carol, who only watched, sees the sell-out live; her button is off.
        await Assertions.Expect(carol.State).ToHaveAttributeAsync("data-state", "sold-out", s_live);
        await Assertions.Expect(carol.Left(sku)).ToHaveTextAsync("Sold out");
        await Assertions.Expect(carol.Reserve(sku)).ToBeDisabledAsync();
        await stack.ScreenshotAsync(carol.Page, "05-sold-out");
        foreach (var viewer in new[] { alice, bob, carol })
        {
            Assert.True(await viewer.Page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page reloaded");
            Assert.DoesNotContain("token=", viewer.Page.Url, StringComparison.Ordinal);
            Assert.Empty(viewer.ExternalRequests);
            Assert.Empty(viewer.ConsoleErrors);
        }
    }

    [Fact]
    public async Task Recommendations_SignedInViewer_RenderWithProductTitles()
    {
        SkipWithoutChromium();
        var ct = TestContext.Current.CancellationToken;

        // Arrange
        await using var viewer = await stack.OpenAsync(ShopStackFixture.QueueCreator, await stack.ViewerTokenAsync(ShopStackFixture.QueueCreator, "dave", ct));

        // Act
        var items = viewer.Page.Locator("#recs-list li");
        await Assertions.Expect(viewer.Page.Locator("#recs")).ToBeVisibleAsync(new() { Timeout = 20_000 });

        // Assert: no model was trained, so popularity answers and the page says so; items name real products.
        Assert.InRange(await items.CountAsync(), 1, 4);
        await Assertions.Expect(viewer.Page.Locator("#recs")).ToHaveAttributeAsync("data-source", "popularity");
        foreach (var title in await items.Locator("button").AllTextContentsAsync())
        {
            Assert.StartsWith("Tour ", title, StringComparison.Ordinal);
        }

        await stack.ScreenshotAsync(viewer.Page, "06-recommendations");
        Assert.Empty(viewer.ExternalRequests);
    }

    [Fact]
    public async Task EarlyAccess_NotRsvped_NotOpenForYouThenRsvpThenReserved()
    {
        SkipWithoutChromium();
        var ct = TestContext.Current.CancellationToken;

        // Arrange: early access for RSVPs only.
        await using var viewer = await stack.OpenAsync(ShopStackFixture.EarlyCreator, await stack.ViewerTokenAsync(ShopStackFixture.EarlyCreator, "erin", ct));
        await Assertions.Expect(viewer.Page.Locator("#drop")).ToHaveAttributeAsync("data-phase", "early_access", s_live);

        // Act 1
        await viewer.PressAsync(viewer.Reserve("poster-m"));

        // Assert 1
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "not-open", s_live);
        await Assertions.Expect(viewer.State).ToContainTextAsync("Not open for you yet");
        await Assertions.Expect(viewer.Page.Locator("#rsvp")).ToBeVisibleAsync();
        await stack.ScreenshotAsync(viewer.Page, "07-not-open-for-you-yet");

        // Act 2
        await viewer.PressAsync(viewer.Page.Locator("#rsvp"));
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "rsvped", s_live);
        await viewer.PressAsync(viewer.Reserve("poster-m"));

        // Assert 2
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "reserved", s_live);
        // The 403 the browser logs for the refused reservation is the only console error.
        // The refused reservation is the only failure the page saw.
        Assert.Equal(["403 POST /v1/drops/early-drop/reservations"], viewer.FailedResponses);
    }

    [Fact]
    public async Task WaitingRoom_202_ShowsPositionThenReservesWithTheTicket()
    {
        SkipWithoutChromium();
        var ct = TestContext.Current.CancellationToken;

        // Arrange: the edge's answers as the waiting-room contract has them (202, ticket status), the
        // retried reservation going through to the real edge.
        await using var viewer = await stack.OpenAsync(ShopStackFixture.QueueCreator, await stack.ViewerTokenAsync(ShopStackFixture.QueueCreator, "frank", ct));
        var reservations = new List<IReadOnlyDictionary<string, string>>();
        var polls = 0;
        await viewer.Page.RouteAsync("**/v1/drops/queue-drop/reservations", async route =>
        {
            reservations.Add(route.Request.Headers);
            if (!route.Request.Headers.ContainsKey("queue-ticket"))
            {
                await route.FulfillAsync(new RouteFulfillOptions
                {
                    Status = 202,
                    ContentType = "application/json",
                    Headers = new Dictionary<string, string> { ["Location"] = "/v1/drops/queue-drop/queue/t-1" },
                    Body = """{"ticket":"t-1","state":"waiting","position":17,"estimatedWaitSeconds":4,"statusUrl":"/v1/drops/queue-drop/queue/t-1"}""",
                });
                return;
            }

            await route.ContinueAsync();
        });
        await viewer.Page.RouteAsync("**/v1/drops/queue-drop/queue/t-1", async route =>
        {
            var admitted = Interlocked.Increment(ref polls) >= 3;
            await route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200,
                ContentType = "application/json",
                Body = admitted
                    ? """{"ticket":"t-1","state":"admitted","position":null,"estimatedWaitSeconds":0,"admittedUntil":"2099-01-01T00:00:00Z"}"""
                    : """{"ticket":"t-1","state":"waiting","position":3,"estimatedWaitSeconds":1,"admittedUntil":null}""",
            });
        });
        await Assertions.Expect(viewer.Left("vinyl-m")).ToHaveAttributeAsync("data-available", "20", s_live);

        // Act
        await viewer.PressAsync(viewer.Reserve("vinyl-m"));

        // Assert: queued with a position, then reserved for real with the ticket and the same key.
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "queued", s_live);
        await Assertions.Expect(viewer.State).ToContainTextAsync("number 17 in line");
        await stack.ScreenshotAsync(viewer.Page, "08-queued-with-position");
        await Assertions.Expect(viewer.State).ToContainTextAsync("number 3 in line", new() { Timeout = 20_000 });
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "reserved", s_live);
        Assert.Equal(2, reservations.Count);
        Assert.Equal("t-1", reservations[1]["queue-ticket"]);
        Assert.Equal(reservations[0]["idempotency-key"], reservations[1]["idempotency-key"]);
    }

    [Fact]
    public async Task OriginKilled_PageStillServesWidgetAndLiveStock()
    {
        SkipWithoutChromium();
        var ct = TestContext.Current.CancellationToken;

        // Arrange
        await stack.Origin.KillAsync();
        try
        {
            await stack.Edge.WaitForStatusAsync(static s => !s.GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(30), "losing the origin", ct);

            // Act: a viewer arrives while the origin is down.
            await using var viewer = await stack.OpenAsync(ShopStackFixture.EarlyCreator, token: null);

            // Assert: products from the edge's replica, the drop and its stock from the edge's stream.
            await Assertions.Expect(viewer.Page.Locator(".ec-product")).ToHaveCountAsync(2);
            await Assertions.Expect(viewer.Page.Locator(".ec-product img").First).ToHaveJSPropertyAsync("complete", true);
            await Assertions.Expect(viewer.Left("poster-m")).ToHaveAttributeAsync("data-available", new System.Text.RegularExpressions.Regex("^[0-9]+$"), s_live);
            await Assertions.Expect(viewer.Page.Locator("#drop-phase")).ToHaveTextAsync("Early access");
            await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "signed-out", s_live);
            await stack.ScreenshotAsync(viewer.Page, "09-origin-down");
            Assert.Empty(viewer.ExternalRequests);
            Assert.Empty(viewer.ConsoleErrors);
        }
        finally
        {
            // Later tests in this class need the origin (and the edge linked to it) again.
            await stack.Origin.RestartAsync(ct);
            await stack.Edge.WaitForStatusAsync(static s => s.GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(60), "reconnecting", ct);
        }
    }

    [Fact]
    public async Task Embed_OnTheCreatorsSite_MountsTheNearestEdgesShopWithTheSitesToken_OtherSitesCannotFrameIt()
    {
        SkipWithoutChromium();
        var ct = TestContext.Current.CancellationToken;

        // Arrange: the creator's site (allowed for this creator) and another site, each serving the
        // snippet a creator pastes and a token endpoint.
        var token = await stack.ViewerTokenAsync(ShopStackFixture.LiveCreator, "gina", ct);
        var edge = stack.Edge.Address.GetLeftPart(UriPartial.Authority);
        var origin = stack.Origin.HttpAddress.GetLeftPart(UriPartial.Authority);
        var snippet = "<!doctype html><title>Creator</title><h1>My site</h1><div id=\"shop\"></div><script src=\"" + edge + "/embed.js\" data-creator=\""
            + ShopStackFixture.LiveCreator + "\" data-origin=\"" + origin + "\" data-region=\"eu-west\" data-target=\"shop\" data-token-url=\"/shop-token\" async></script>";
        (string, string) Answer(string path) => path == "/shop-token" ? ("application/json", JsonSerializer.Serialize(new { token })) : ("text/html; charset=utf-8", snippet);
        await using var site = new CreatorSite(stack.SitePort, Answer);
        await using var elsewhere = new CreatorSite(stack.OtherPort, Answer);
        var context = await stack.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 900 } });
        await using var _ = context;
        var page = await context.NewPageAsync();
        var other = await context.NewPageAsync();

        // Act
        await page.GotoAsync(site.Origin + "/");
        await other.GotoAsync(elsewhere.Origin + "/");

        // Assert: the nearest edge (from the origin's lookup) serves the shop in a frame, signed in with the site's token.
        var frame = page.FrameLocator("#shop iframe");
        await Assertions.Expect(frame.Locator("#viewer")).ToHaveTextAsync("Signed in as gina", new() { Timeout = 20_000 });
        await Assertions.Expect(frame.Locator(".ec-product")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#shop iframe")).ToHaveAttributeAsync("data-edge", edge);
        await stack.ScreenshotAsync(page, "10-embedded-on-the-creators-site");
        // Another site may load the script, but the edge's frame-ancestors keeps the shop out of its
        // page (the frame shows Chromium's error page), so no token is ever handed over there.
        await Assertions.Expect(other.Locator("#shop iframe")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(20);
        while (!other.Frames.Any(static f => f.Url.StartsWith("chrome-error:", StringComparison.Ordinal)) && TimeProvider.System.GetUtcNow() < deadline)
        {
            await Task.Delay(100, ct);
        }

        Assert.Contains(other.Frames, static f => f.Url.StartsWith("chrome-error:", StringComparison.Ordinal));
        Assert.Equal(1, site.TokenRequests);
        Assert.Equal(0, elsewhere.TokenRequests);
    }

    private void SkipWithoutChromium()
    {
        if (!stack.Available)
        {
            Assert.Skip("Chromium is not installed (./edgecommerce test installs Debian's chromium).");
        }
    }
}
