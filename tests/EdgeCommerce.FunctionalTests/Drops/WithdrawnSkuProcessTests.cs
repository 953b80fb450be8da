using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Tests.Common;
using EdgeCommerce.Tests.Common.Drops;

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
        await using var stack = await DropProcesses.StartAsync(data, ["edge-withdraw-1"], cancellationToken);
        var (origin, edge) = (stack.Origin, stack.Edge);
        await origin.PushSkusAsync(Creator, cancellationToken, Kept, Withdrawn);
        var misspelt = await PutDropAsync(origin, "tee-01-xl", cancellationToken);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, misspelt.Status);
        Assert.Equal(HttpStatusCode.OK, (await PutDropAsync(origin, Withdrawn, cancellationToken)).Status);
        var viewer = await origin.MintTokenAsync("viewer-1", Creator, ["drop:reserve"], "edge", cancellationToken);
        await edge.WaitUntilAsync(async () => (await edge.Http.GetAsync($"/v1/drops/{DropId}", cancellationToken)).IsSuccessStatusCode, "the drop on the edge", cancellationToken);
        // The creator's public list, asked twice: the second answer comes from the edge's output cache.
        var listBefore = await edge.Http.GetFromJsonAsync<JsonElement>($"/v1/creators/{Creator}/drops", cancellationToken);
        _ = await edge.Http.GetFromJsonAsync<JsonElement>($"/v1/creators/{Creator}/drops", cancellationToken);

        // Act
        using var refused = await origin.Http.PutAsync($"/admin/v1/creators/{Creator}/catalog", Json(OriginNode.SkuCatalog(Kept)), cancellationToken);
        using var forced = await origin.Http.PutAsync($"/admin/v1/creators/{Creator}/catalog?force=true", Json(OriginNode.SkuCatalog(Kept)), cancellationToken);
        JsonElement view = default;
        await edge.WaitUntilAsync(async () =>
        {
            view = await edge.Http.GetFromJsonAsync<JsonElement>($"/v1/drops/{DropId}", cancellationToken);
            return Sku(view, Withdrawn).GetProperty("withdrawn").GetBoolean();
        }, "the SKU withdrawn on the edge", cancellationToken);
        var listAfter = await edge.Http.GetFromJsonAsync<JsonElement>($"/v1/creators/{Creator}/drops", cancellationToken);
        var reserveWithdrawn = await edge.ReserveAsync(DropId, viewer, Withdrawn, 1, "key-1", cancellationToken);
        var reserveKept = await edge.ReserveAsync(DropId, viewer, Kept, 1, "key-2", cancellationToken);

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

    private static Task<(HttpStatusCode Status, string Body)> PutDropAsync(OriginNode origin, string secondSku, CancellationToken cancellationToken)
    {
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        return origin.TryPutDropAsync(Creator, DropId, DropAdmin.DropJson("Withdraw drop", startsAt, startsAt.AddHours(2), 2, (Kept, 10), (secondSku, 10)), cancellationToken);
    }
}
