using System.Text.Json;
using Microsoft.Playwright;

namespace EdgeCommerce.FunctionalTests.Shop;

/// <summary>
/// The shop page in headless Chromium over a real origin and edge: live stock between two viewers,
/// sold out, recommendations, in line for the start then RSVP into early access, the edge's real
/// waiting room (queued before the start, admitted at it, reserved with the ticket),
/// and the page working with the origin killed. Each state is saved as a screenshot under
/// <c>artifacts/test-results/shop/</c>. Buttons are pressed from the keyboard (focus + Enter).
/// </summary>
public sealed class ShopBrowserTests(ShopStackFixture stack) : IClassFixture<ShopStackFixture>
{
    private static readonly LocatorAssertionsToHaveAttributeOptions s_live = new() { Timeout = 20_000 };
    private static readonly LocatorAssertionsToContainTextOptions s_contains = new() { Timeout = 20_000 };

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
        await Assertions.Expect(alice.State).ToContainTextAsync("Tour hoodie · M is reserved for you");
        await stack.ScreenshotAsync(alice.Page, "02-reserved-with-timer");

        // Assert 1: Bob sees one left without reloading.
        await Assertions.Expect(bob.Left(sku)).ToHaveAttributeAsync("data-available", "1", s_live);
        await Assertions.Expect(bob.Left(sku)).ToHaveTextAsync("1 left");
        await stack.ScreenshotAsync(bob.Page, "03-other-viewer-sees-1-left-live");

        // Act 2: Alice confirms; Bob reserves the last unit and confirms.
        await alice.PressAsync(alice.Page.Locator("#confirm"));
        await Assertions.Expect(alice.State).ToHaveAttributeAsync("data-state", "confirmed", s_live);
        await Assertions.Expect(alice.State).ToHaveTextAsync("Yours! Tour hoodie · M is confirmed.");
        // One per viewer: her button says why it is off.
        await Assertions.Expect(alice.Why(sku)).ToHaveAttributeAsync("data-why", "limit-reached", s_live);
        await Assertions.Expect(alice.Why(sku).Locator(".why")).ToHaveTextAsync("Limit reached (1 per viewer)");
        await stack.ScreenshotAsync(alice.Page, "04-confirmed");
        await bob.PressAsync(bob.Reserve(sku));
        await Assertions.Expect(bob.State).ToHaveAttributeAsync("data-state", "reserved", s_live);
        await bob.PressAsync(bob.Page.Locator("#confirm"));
        await Assertions.Expect(bob.State).ToHaveAttributeAsync("data-state", "confirmed", s_live);

        // Assert 2: Carol, who only watched, sees the sell-out live; her button is off.
        await Assertions.Expect(carol.State).ToHaveAttributeAsync("data-state", "sold-out", s_live);
        await Assertions.Expect(carol.Left(sku)).ToHaveTextAsync("Sold out");
        await Assertions.Expect(carol.Reserve(sku)).ToBeDisabledAsync();
        await Assertions.Expect(carol.Why(sku)).ToHaveAttributeAsync("data-why", "sold-out");
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
    public async Task SeveralDrops_CreatorWithAnEarlyAndAnUpcomingDrop_PageListsBothAndFollowsTheOneUnderWay()
    {
        SkipWithoutChromium();
        var ct = TestContext.Current.CancellationToken;

        // Arrange: the early creator's second drop opens tomorrow.
        var startsAt = TimeProvider.System.GetUtcNow().AddDays(1);
        var revision = await stack.PutDropAsync(ShopStackFixture.EarlyCreator, "early-drop-2", startsAt, startsAt.AddHours(1), null, "mug-m", 5, ct);
        await stack.Edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= revision, TimeSpan.FromSeconds(30), "the second drop", ct);

        // Act
        await using var viewer = await stack.OpenAsync(ShopStackFixture.EarlyCreator, null);
        var drops = viewer.Page.Locator("#drop-list li");
        await Assertions.Expect(viewer.Page.Locator("#drops")).ToBeVisibleAsync(new() { Timeout = 20_000 });

        // Assert
        Assert.Equal([ShopStackFixture.EarlyDrop, "early-drop-2"], await drops.EvaluateAllAsync<string[]>("items => items.map(li => li.dataset.dropId)"));
        await Assertions.Expect(drops.First).ToHaveAttributeAsync("aria-current", "true");
        await Assertions.Expect(viewer.Page.Locator("#stock li[data-sku-id='poster-m']")).ToBeVisibleAsync();
        Assert.Empty(viewer.ExternalRequests);
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
    public async Task EarlyAccess_NotRsvped_InLineForTheStartThenRsvpThenReserved()
    {
        SkipWithoutChromium();
        var ct = TestContext.Current.CancellationToken;

        // Arrange: early access for RSVPs only.
        await using var viewer = await stack.OpenAsync(ShopStackFixture.EarlyCreator, await stack.ViewerTokenAsync(ShopStackFixture.EarlyCreator, "erin", ct));
        await Assertions.Expect(viewer.Page.Locator("#drop")).ToHaveAttributeAsync("data-phase", "early_access", s_live);

        // Act 1: not on the RSVP list, so not open for her yet: the waiting room keeps her a place for the start.
        await viewer.PressAsync(viewer.Reserve("poster-m"));

        // Assert 1
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "queued", s_live);
        await Assertions.Expect(viewer.State).ToContainTextAsync("You are in line");
        // Not RSVP'd: the page says when the public opening is (the place is drawn then).
        await Assertions.Expect(viewer.State).ToContainTextAsync("for the public opening at ");
        await Assertions.Expect(viewer.Page.Locator("#rsvp")).ToBeVisibleAsync();
        await stack.ScreenshotAsync(viewer.Page, "07-in-line-for-the-start-rsvp-offered");

        // Act 2: she RSVPs; early access lets her reserve at once, out of the line.
        await viewer.PressAsync(viewer.Page.Locator("#rsvp"));

        // Assert 2
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "reserved", s_live);
        Assert.Empty(viewer.FailedResponses);
    }

    [Fact]
    public async Task WaitingRoom_ArrivedBeforeTheStart_QueuedThenAdmittedAtTheStartAndReservedWithTheTicket()
    {
        SkipWithoutChromium();
        var ct = TestContext.Current.CancellationToken;

        // Arrange: a drop starting in a few seconds; the page watches it before the start. The
        // margin covers the sync, a new browser context and the page's load on this shared
        // machine (12 s was tight at a load of 40): the Reserve must go out before the start.
        var startsAt = TimeProvider.System.GetUtcNow().AddSeconds(25);
        var revision = await stack.PutDropAsync(ShopStackFixture.QueueCreator, ShopStackFixture.QueueDrop, startsAt, startsAt.AddHours(1), null, "vinyl-m", 20, ct);
        await stack.Edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= revision, TimeSpan.FromSeconds(30), "the queue drop", ct);
        await using var viewer = await stack.OpenAsync(ShopStackFixture.QueueCreator, await stack.ViewerTokenAsync(ShopStackFixture.QueueCreator, "frank", ct));
        var reservations = new List<IReadOnlyDictionary<string, string>>();
        await viewer.Page.RouteAsync("**/v1/drops/queue-drop/reservations", async route =>
        {
            lock (reservations)
            {
                reservations.Add(route.Request.Headers);
            }

            await route.ContinueAsync();
        });
        await Assertions.Expect(viewer.Page.Locator("#drop")).ToHaveAttributeAsync("data-phase", "scheduled", s_live);

        // Act: Reserve before the start.
        await viewer.PressAsync(viewer.Reserve("vinyl-m"));

        // Assert: the edge's waiting room answers 202 (in line), admits at the start (after the
        // pre-start shuffle), and the page reserves with its ticket and the same idempotency key.
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "queued", s_live);
        await Assertions.Expect(viewer.State).ToContainTextAsync("in line");
        await stack.ScreenshotAsync(viewer.Page, "08-queued-before-the-start");
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "reserved", new() { Timeout = 60_000 });
        await stack.ScreenshotAsync(viewer.Page, "08b-admitted-at-the-start-and-reserved");
        lock (reservations)
        {
            Assert.Equal(2, reservations.Count);
            Assert.False(reservations[0].ContainsKey("queue-ticket"));
            Assert.False(string.IsNullOrEmpty(reservations[1]["queue-ticket"]));
            Assert.Equal(reservations[0]["idempotency-key"], reservations[1]["idempotency-key"]);
        }

        Assert.Empty(viewer.FailedResponses);
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
            await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "origin-down", s_live);
            await Assertions.Expect(viewer.State).ToContainTextAsync("cannot reach the store");
            await Assertions.Expect(viewer.Page.Locator("#link-state")).ToContainTextAsync("reserving is paused");
            await Assertions.Expect(viewer.Reserve("poster-m")).ToBeDisabledAsync();
            await Assertions.Expect(viewer.Why("poster-m")).ToHaveAttributeAsync("data-why", "origin-unreachable");
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
        var context = await stack.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 375, Height = 812 } });
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
        // At 375 px the frame grows with the shop (its height over postMessage): nothing scrolls inside it.
        var shop = page.Frames.Single(static f => f.Url.Contains("/shop/", StringComparison.Ordinal));
        var sized = false;
        for (var i = 0; i < 100 && !sized; i++)
        {
            var inner = await shop.EvaluateAsync<double>("() => document.documentElement.scrollHeight");
            var outer = await page.Locator("#shop iframe").EvaluateAsync<double>("f => f.getBoundingClientRect().height");
            sized = inner > 0 && Math.Abs(inner - outer) <= 1 && await shop.EvaluateAsync<bool>("() => document.documentElement.scrollHeight <= window.innerHeight + 1");
            if (!sized)
            {
                await Task.Delay(100, ct);
            }
        }

        Assert.True(sized, "the frame did not take the shop's height");
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

    /// <summary>
    /// A creator with a display name and a drop whose allocations list the sizes out of order: the
    /// page is headed with the name, lists the sizes in catalog order (S, M, L), names the item
    /// reserved and confirmed, says the limit is reached, and stops recommending what was bought.
    /// On the old code the heading was the creator id, the sizes came in allocation order, the
    /// states said "Reserved for you" without naming anything, and the recommendations stayed.
    /// </summary>
    [Fact]
    public async Task OwnDrop_DisplayNameAndCatalogOrder_NamesTheConfirmedItemAndStopsRecommendingIt()
    {
        SkipWithoutChromium();
        var ct = TestContext.Current.CancellationToken;
        const string creator = "shop-sizes";

        // Arrange: hoodie in S, M, L; the drop allocates L, S, M.
        await stack.Origin.PushCatalogAsync(creator, """
            {"displayName":"Nova Thread Studio","products":[
              {"id":"hoodie","title":"Studio hoodie","price":{"amountMinor":6500,"currency":"EUR"},"skus":[{"id":"hoodie-s","label":"S"},{"id":"hoodie-m","label":"M"},{"id":"hoodie-l","label":"L"}]},
              {"id":"tee","title":"Studio tee","price":{"amountMinor":2500,"currency":"EUR"},"skus":[{"id":"tee-m","label":"M"}]},
              {"id":"cap","title":"Studio cap","price":{"amountMinor":1500,"currency":"EUR"},"skus":[{"id":"cap-m","label":"M"}]}]}
            """, ct);
        var now = TimeProvider.System.GetUtcNow();
        var revision = await stack.PutDropAsync(creator, "sizes-drop", now.AddMinutes(-1), now.AddHours(1), null, [("hoodie-l", 5), ("hoodie-s", 5), ("hoodie-m", 5)], ct);
        await stack.Edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= revision, TimeSpan.FromSeconds(30), "the sizes drop", ct);
        await using var viewer = await stack.OpenAsync(creator, await stack.ViewerTokenAsync(creator, "ivy", ct));
        await Assertions.Expect(viewer.Left("hoodie-m")).ToHaveAttributeAsync("data-available", "5", s_live);

        // Assert 1: the name and the sizes in catalog order.
        await Assertions.Expect(viewer.Page.Locator("h1")).ToHaveTextAsync("Nova Thread Studio");
        Assert.Equal("Shop · Nova Thread Studio", await viewer.Page.TitleAsync());
        Assert.Equal(["hoodie-s", "hoodie-m", "hoodie-l"], await viewer.Page.Locator("#stock li").EvaluateAllAsync<string[]>("rows => rows.map(li => li.dataset.skuId)"));

        await Assertions.Expect(viewer.Page.Locator("#recs-list li[data-product-id='hoodie']")).ToHaveCountAsync(1, new() { Timeout = 20_000 });

        // Act: reserve and confirm the M.
        await viewer.PressAsync(viewer.Reserve("hoodie-m"));
        await Assertions.Expect(viewer.State).ToContainTextAsync("Studio hoodie · M is reserved for you", s_contains);
        await viewer.PressAsync(viewer.Page.Locator("#confirm"));

        // Assert 2: named, limit reached on every size, the hoodie no longer recommended.
        await Assertions.Expect(viewer.State).ToHaveTextAsync("Yours! Studio hoodie · M is confirmed.", new() { Timeout = 20_000 });
        foreach (var sku in new[] { "hoodie-s", "hoodie-m", "hoodie-l" })
        {
            await Assertions.Expect(viewer.Why(sku)).ToHaveAttributeAsync("data-why", "limit-reached", s_live);
            await Assertions.Expect(viewer.Reserve(sku)).ToBeDisabledAsync();
        }

        await Assertions.Expect(viewer.Page.Locator("#recs")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(viewer.Page.Locator("#recs-list li[data-product-id='hoodie']")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        await Assertions.Expect(viewer.Page.Locator("#recs-list li")).ToHaveCountAsync(2);
        await stack.ScreenshotAsync(viewer.Page, "11-confirmed-named-limit-reached");
        Assert.Empty(viewer.ConsoleErrors);
        Assert.Empty(viewer.ExternalRequests);
    }

    private void SkipWithoutChromium()
    {
        if (!stack.Available)
        {
            Assert.Skip("Chromium is not installed (./edgecommerce test installs Debian's chromium).");
        }
    }
}
