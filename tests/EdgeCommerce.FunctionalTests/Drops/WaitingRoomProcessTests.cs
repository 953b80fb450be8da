using System.Net;
using System.Text.Json;
using EdgeCommerce.Tests.Common;
using EdgeCommerce.Tests.Common.Drops;

namespace EdgeCommerce.FunctionalTests.Drops;

/// <summary>
/// The waiting room over real processes (an origin and one edge on loopback, tokens minted by the
/// origin): viewers who press "reserve" before the drop opens get 202 and a ticket, wait, are
/// admitted at the start and then reserve with the ticket, as the shop page does.
/// </summary>
public sealed class WaitingRoomProcessTests
{
    private const string Creator = "queue-creator";
    private const string DropId = "queue-drop";
    private const string Sku = "tee-01-m";

    [Fact]
    public async Task Reserve_QueuedBeforeTheStart_AdmittedAtTheStartThenReservesWithItsTicket()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var stack = await DropProcesses.StartAsync(data, ["edge-queue-1"], cancellationToken);
        var (origin, edge) = (stack.Origin, stack.Edge);
        // Scheduled far ahead, so the viewers are certainly early; then moved to open in 2 s (edits
        // are allowed until the drop begins), so the test does not sleep through a fixed delay.
        await PutDropAsync(origin, DateTimeOffset.UtcNow.AddHours(1), cancellationToken);
        var viewers = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => origin.MintTokenAsync($"viewer-{i}", Creator, ["drop:reserve"], "edge", cancellationToken)));
        await edge.WaitUntilAsync(async () => (await edge.Http.GetAsync($"/v1/drops/{DropId}", cancellationToken)).IsSuccessStatusCode, "the drop on the edge", cancellationToken);

        // Act
        var queued = new List<EdgeAnswer>();
        foreach (var token in viewers)
        {
            queued.Add(await edge.ReserveAsync(DropId, token, Sku, 1, $"key-{queued.Count}", cancellationToken));
        }

        var startsAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3);
        await PutDropAsync(origin, startsAt, cancellationToken);
        var admitted = new JsonElement[viewers.Length];
        await edge.WaitUntilAsync(async () =>
        {
            for (var i = 0; i < viewers.Length; i++)
            {
                admitted[i] = (await edge.SendAsync(HttpMethod.Get, queued[i].Body.GetProperty("statusUrl").GetString()!, viewers[i], cancellationToken)).Body;
            }

            return admitted.All(static s => s.GetProperty("state").GetString() == "admitted");
        }, "every viewer admitted", cancellationToken);
        var reserved = new List<EdgeAnswer>();
        for (var i = 0; i < viewers.Length; i++)
        {
            reserved.Add(await edge.ReserveAsync(DropId, viewers[i], Sku, 1, $"key-{i}", cancellationToken, queued[i].Body.GetProperty("ticket").GetString()));
        }

        // Assert
        Assert.All(queued, static q =>
        {
            Assert.Equal(HttpStatusCode.Accepted, q.Status);
            Assert.Equal(("waiting", JsonValueKind.Null), (q.Body.GetProperty("state").GetString(), q.Body.GetProperty("position").ValueKind));
            Assert.Equal(q.Body.GetProperty("statusUrl").GetString(), q.Location?.OriginalString);
        });
        Assert.Equal(3, queued.Select(static q => q.Body.GetProperty("ticket").GetString()).Distinct().Count());
        Assert.All(admitted, s => Assert.True(s.GetProperty("admittedUntil").GetDateTimeOffset() > startsAt));
        Assert.All(reserved, static r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.All(reserved, static r => Assert.Equal("held", r.Body.GetProperty("status").GetString()));
    }

    private static async Task PutDropAsync(OriginNode origin, DateTimeOffset startsAt, CancellationToken cancellationToken)
    {
        await origin.PushSkusAsync(Creator, cancellationToken, Sku);
        await origin.PutDropAsync(Creator, DropId, DropAdmin.DropJson("Queue drop", startsAt, startsAt.AddHours(2), 1, (Sku, 10)), cancellationToken);
    }
}
