using Microsoft.Playwright;

namespace EdgeCommerce.FunctionalTests.Shop;

/// <summary>The shop page's retries in headless Chromium over a real origin and edge (its own stack).</summary>
public sealed class ShopRetryBrowserTests(ShopStackFixture stack) : IClassFixture<ShopStackFixture>
{
    private static readonly LocatorAssertionsToHaveAttributeOptions s_live = new() { Timeout = 20_000 };

    /// <summary>
    /// The first reservation request dies on the way (the page never hears whether the edge
    /// reserved). Catches a retry sent with a new Idempotency-Key: an edge that did reserve would
    /// hold a second reservation for the viewer (and spend their limit twice).
    /// </summary>
    [Fact]
    public async Task Reserve_FirstAttemptGetsNoAnswer_TheRetryReusesItsIdempotencyKey()
    {
        if (!stack.Available)
        {
            Assert.Skip("Chromium is not installed (./edgecommerce test installs Debian's chromium).");
        }

        var ct = TestContext.Current.CancellationToken;
        const string sku = ShopStackFixture.LiveSku;
        await using var viewer = await stack.OpenAsync(ShopStackFixture.LiveCreator, await stack.ViewerTokenAsync(ShopStackFixture.LiveCreator, "retrying", ct));
        var keys = new List<string>();
        await viewer.Page.RouteAsync($"**/v1/drops/{ShopStackFixture.LiveDrop}/reservations", async route =>
        {
            int attempt;
            lock (keys)
            {
                keys.Add(route.Request.Headers.GetValueOrDefault("idempotency-key", ""));
                attempt = keys.Count;
            }

            if (attempt == 1)
            {
                await route.AbortAsync("connectionreset");
            }
            else
            {
                await route.ContinueAsync();
            }
        });
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "idle", s_live);
        // The Reserve button is on once the drop's stock has come.
        await Assertions.Expect(viewer.Left(sku)).ToHaveAttributeAsync("data-available", "2", s_live);

        // Act
        await viewer.PressAsync(viewer.Reserve(sku));
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "error", s_live);
        await viewer.PressAsync(viewer.Reserve(sku));

        // Assert
        await Assertions.Expect(viewer.State).ToHaveAttributeAsync("data-state", "reserved", s_live);
        lock (keys)
        {
            Assert.Equal(2, keys.Count);
            Assert.False(string.IsNullOrEmpty(keys[0]));
            Assert.Equal(keys[0], keys[1]);
        }
    }
}
