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
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var edge = await origin.StartEdgeAsync("edge-queue-1", "eu-west", data.Combine("edge"), cancellationToken);
        // Scheduled far ahead, so the viewers are certainly early; then moved to open in 2 s (edits
        // are allowed until the drop begins), so the test does not sleep through a fixed delay.
        await PutDropAsync(origin, DateTimeOffset.UtcNow.AddHours(1), cancellationToken);
        var viewers = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => origin.MintTokenAsync($"viewer-{i}", Creator, ["drop:reserve"], "edge", cancellationToken)));
        await WaitUntilAsync(async () => (await edge.Http.GetAsync($"/v1/drops/{DropId}", cancellationToken)).IsSuccessStatusCode, "the drop on the edge", edge, cancellationToken);

        // Act
        var queued = new List<(HttpStatusCode Status, JsonElement Body, Uri? Location)>();
        foreach (var token in viewers)
        {
            queued.Add(await SendAsync(edge, HttpMethod.Post, $"/v1/drops/{DropId}/reservations", token, $"key-{queued.Count}", null, cancellationToken));
        }

        var startsAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3);
        await PutDropAsync(origin, startsAt, cancellationToken);
        var admitted = new JsonElement[viewers.Length];
        await WaitUntilAsync(async () =>
        {
            for (var i = 0; i < viewers.Length; i++)
            {
                admitted[i] = (await SendAsync(edge, HttpMethod.Get, queued[i].Body.GetProperty("statusUrl").GetString()!, viewers[i], null, null, cancellationToken)).Body;
            }

            return admitted.All(static s => s.GetProperty("state").GetString() == "admitted");
        }, "every viewer admitted", edge, cancellationToken);
        var reserved = new List<(HttpStatusCode Status, JsonElement Body, Uri? Location)>();
        for (var i = 0; i < viewers.Length; i++)
        {
            reserved.Add(await SendAsync(edge, HttpMethod.Post, $"/v1/drops/{DropId}/reservations", viewers[i], $"key-{i}", queued[i].Body.GetProperty("ticket").GetString(), cancellationToken));
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
        var body = JsonSerializer.Serialize(new
        {
            title = "Queue drop",
            startsAt = startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            endsAt = startsAt.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            perViewerLimit = 1,
            allocations = new[] { new { skuId = Sku, units = 10 } },
        });
        using var response = await origin.Http.PutAsync($"/admin/v1/creators/{Creator}/drops/{DropId}", new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, Uri? Location)> SendAsync(
        EdgeNode edge, HttpMethod method, string path, string token, string? idempotencyKey, string? ticket, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent($$"""{"skuId":"{{Sku}}","quantity":1}""", Encoding.UTF8, "application/json");
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (ticket is not null)
        {
            request.Headers.Add("Queue-Ticket", ticket);
        }

        using var response = await edge.Http.SendAsync(request, cancellationToken);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken), response.Headers.Location);
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
