using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Drops;

/// <summary>
/// Drops sell only what exists, over real processes (an origin and one edge on loopback): a drop
/// naming a SKU its creator's catalog lacks is refused, a catalog push removing a SKU of a running
/// drop is refused unless forced, and a forced removal reaches the edge as a withdrawn SKU that
/// cannot be reserved while the drop's other SKU still can, in the creator's output-cached drop
/// list as soon as the edge applied it.
/// </summary>
public sealed class WithdrawnSkuProcessTests
{
    private const string Creator = "withdraw-creator";
    private const string DropId = "withdraw-drop";
    private const string Kept = "tee-01-m";
    private const string Withdrawn = "tee-01-l";

    [Fact]
    public async Task CatalogPush_ForcedRemovalOfARunningDropsSku_ReachesTheEdgeAsWithdrawnAndNotReservable()
    {
        // Arrange: the drop runs and sells both SKUs.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var edge = await origin.StartEdgeAsync("edge-withdraw-1", "eu-west", data.Combine("edge"), cancellationToken);
        await origin.PushSkusAsync(Creator, cancellationToken, Kept, Withdrawn);
        var misspelt = await PutDropAsync(origin, "tee-01-xl", cancellationToken);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, misspelt.Status);
        Assert.Equal(HttpStatusCode.OK, (await PutDropAsync(origin, Withdrawn, cancellationToken)).Status);
        var viewer = await origin.MintTokenAsync("viewer-1", Creator, ["drop:reserve"], "edge", cancellationToken);
        await WaitUntilAsync(async () => (await edge.Http.GetAsync($"/v1/drops/{DropId}", cancellationToken)).IsSuccessStatusCode, "the drop on the edge", edge, cancellationToken);
        // The creator's public list, asked twice: the second answer comes from the edge's output cache.
        var listBefore = await edge.Http.GetFromJsonAsync<JsonElement>($"/v1/creators/{Creator}/drops", cancellationToken);
        _ = await edge.Http.GetFromJsonAsync<JsonElement>($"/v1/creators/{Creator}/drops", cancellationToken);

        // Act
        using var refused = await origin.Http.PutAsync($"/admin/v1/creators/{Creator}/catalog", Json(OriginNode.SkuCatalog(Kept)), cancellationToken);
        using var forced = await origin.Http.PutAsync($"/admin/v1/creators/{Creator}/catalog?force=true", Json(OriginNode.SkuCatalog(Kept)), cancellationToken);
        JsonElement view = default;
        await WaitUntilAsync(async () =>
        {
            view = await edge.Http.GetFromJsonAsync<JsonElement>($"/v1/drops/{DropId}", cancellationToken);
            return Sku(view, Withdrawn).GetProperty("withdrawn").GetBoolean();
        }, "the SKU withdrawn on the edge", edge, cancellationToken);
        var listAfter = await edge.Http.GetFromJsonAsync<JsonElement>($"/v1/creators/{Creator}/drops", cancellationToken);
        var reserveWithdrawn = await ReserveAsync(edge, viewer, Withdrawn, "key-1", cancellationToken);
        var reserveKept = await ReserveAsync(edge, viewer, Kept, "key-2", cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains(DropId, await refused.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        Assert.Equal(0, Sku(view, Withdrawn).GetProperty("available").GetInt32());
        Assert.False(Sku(view, Kept).GetProperty("withdrawn").GetBoolean());
        // Once the edge serves the change, its cached list never answers from before it.
        Assert.False(Sku(listBefore.GetProperty("drops")[0], Withdrawn).GetProperty("withdrawn").GetBoolean());
        Assert.True(Sku(listAfter.GetProperty("drops")[0], Withdrawn).GetProperty("withdrawn").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, reserveWithdrawn.Status);
        Assert.Equal("This item was withdrawn from the drop.", reserveWithdrawn.Body.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.Created, reserveKept.Status);
    }

    private static JsonElement Sku(JsonElement view, string skuId)
        => view.GetProperty("skus").EnumerateArray().Single(sku => sku.GetProperty("skuId").GetString() == skuId);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, string Body)> PutDropAsync(OriginNode origin, string secondSku, CancellationToken cancellationToken)
    {
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        var body = JsonSerializer.Serialize(new
        {
            title = "Withdraw drop",
            startsAt = startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            endsAt = startsAt.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            perViewerLimit = 2,
            allocations = new[] { new { skuId = Kept, units = 10 }, new { skuId = secondSku, units = 10 } },
        });
        using var response = await origin.Http.PutAsync($"/admin/v1/creators/{Creator}/drops/{DropId}", Json(body), cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReserveAsync(EdgeNode edge, string token, string skuId, string key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/drops/{DropId}/reservations")
        {
            Content = Json($$"""{"skuId":"{{skuId}}","quantity":1}"""),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await edge.Http.SendAsync(request, cancellationToken);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, EdgeNode edge, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"Waited 60 s for {what}.\n{edge.Output}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }
}
