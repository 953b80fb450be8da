using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Tests.Common;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;

namespace EdgeCommerce.FunctionalTests.Webhooks;

/// <summary>
/// Signed follow-up webhooks over real processes (an origin, an edge, and a real HTTP receiver on
/// loopback that verifies every delivery with the StandardWebhooks library, which nobody here
/// wrote): the receiver fails the first three deliveries and the origin retries; the origin is
/// killed (SIGKILL) right after a sale the buyer saw confirmed, and the sale's event still
/// arrives; each endpoint gets a drop's events in order, each at least once and no more often
/// than the kill can explain.
/// </summary>
public sealed class WebhookProcessTests
{
    private const string Creator = "hook-creator";
    private const string DropId = "hook-drop";
    private const string Sku = "tee-01-m";

    private static readonly string[] s_fastRetries =
    [
        "--Webhooks:PollInterval=00:00:00.100", "--Webhooks:InitialBackoff=00:00:00.200", "--Webhooks:MaxBackoff=00:00:01", "--Webhooks:LeaseDuration=00:00:02",
    ];

    [Fact]
    public async Task Webhooks_ReceiverFailsThriceAndOriginKilled_EveryEventArrivesSignedInOrder()
    {
        // Arrange: a receiver that answers 500 to its first three requests.
        var cancellationToken = TestContext.Current.CancellationToken;
        var received = new ConcurrentQueue<Received>();
        var requests = 0;
        await using var receiver = new LoopbackHttpServer(async context =>
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(cancellationToken);
            var status = Interlocked.Increment(ref requests) <= 3 ? 500 : 200;
            received.Enqueue(new Received(context.Request.Headers["webhook-id"] ?? "", context.Request.Headers["webhook-timestamp"] ?? "",
                context.Request.Headers["webhook-signature"] ?? "", body, status));
            context.Response.StatusCode = status;
            context.Response.Close();
        });
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken, s_fastRetries);
        await using var edge = await origin.StartEdgeAsync("edge-hooks-1", "eu-west", data.Combine("edge"), cancellationToken);
        await origin.PushSkusAsync(Creator, cancellationToken, Sku);
        using var put = await origin.Http.PutAsync($"/admin/v1/creators/{Creator}/webhooks/hook-1", Json(new
        {
            url = receiver.Origin + "/hooks",
            events = new[] { "drop.opened", "drop.sold_out", "drop.closed", "sale.confirmed", "sale.cancelled" },
        }), cancellationToken);
        Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync(cancellationToken));
        var secret = (await put.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("secret").GetString()!;
        var listed = await origin.Http.GetFromJsonAsync<JsonElement>($"/admin/v1/creators/{Creator}/webhooks", cancellationToken);
        var startsAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3);
        using var drop = await origin.Http.PutAsync($"/admin/v1/creators/{Creator}/drops/{DropId}", Json(new
        {
            title = "Hook drop",
            startsAt = startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            endsAt = startsAt.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            perViewerLimit = 1,
            allocations = new[] { new { skuId = Sku, units = 2 } },
        }), cancellationToken);
        Assert.True(drop.IsSuccessStatusCode, await drop.Content.ReadAsStringAsync(cancellationToken));
        await edge.WaitForDropAsync(DropId, cancellationToken);
        var buyers = new[]
        {
            await origin.MintTokenAsync("buyer-1", Creator, ["drop:reserve"], "edge", cancellationToken),
            await origin.MintTokenAsync("buyer-2", Creator, ["drop:reserve"], "edge", cancellationToken),
        };
        // On a loaded machine the setup may outlast the wait: then the drop is open already.
        var untilOpen = startsAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200);
        await Task.Delay(untilOpen > TimeSpan.Zero ? untilOpen : TimeSpan.Zero, cancellationToken);

        // Act: two sales (the second sells out); SIGKILL right after the second buyer saw 200; a
        // restart, a cancelled sale and the drop cancelled.
        var reservations = new List<string>();
        foreach (var buyer in buyers)
        {
            reservations.Add(await BuyAsync(edge, buyer, cancellationToken));
        }

        await origin.KillAsync();
        await origin.RestartAsync(cancellationToken, s_fastRetries);
        using var cancelSale = await origin.Http.PostAsync($"/admin/v1/creators/{Creator}/drops/{DropId}/sales/{reservations[0]}/cancel", null, cancellationToken);
        Assert.True(cancelSale.IsSuccessStatusCode, await cancelSale.Content.ReadAsStringAsync(cancellationToken));
        using var cancelDrop = await origin.Http.DeleteAsync($"/admin/v1/creators/{Creator}/drops/{DropId}", cancellationToken);
        Assert.True(cancelDrop.IsSuccessStatusCode, await cancelDrop.Content.ReadAsStringAsync(cancellationToken));
        await WaitUntilAsync(() => received.Where(static r => r.Status == 200).Select(static r => r.Id).Distinct().Count() >= 6, "six events delivered", received, cancellationToken);
        var deliveries = await SettledDeliveries.ReadAsync(origin.Http, Creator, "hook-1", cancellationToken);

        // Assert: every request verifies with the StandardWebhooks library and the secret shown once.
        Assert.False(listed.GetProperty("webhooks")[0].TryGetProperty("secret", out var hidden) && hidden.ValueKind != JsonValueKind.Null);
        var verifier = new StandardWebhook(secret);
        foreach (var request in received)
        {
            var headers = new HeaderDictionary { ["webhook-id"] = request.Id, ["webhook-timestamp"] = request.Timestamp, ["webhook-signature"] = request.Signature };
            verifier.Verify(request.Body, headers);
        }

        // The first three requests failed and were retried: the first event arrived on its fourth attempt.
        var all = received.ToList();
        Assert.All(all.Take(3), static r => Assert.Equal(500, r.Status));
        Assert.Equal(all[0].Id, all[3].Id);
        // In order, each event once (a second 200 only for the one the kill may have caught in flight).
        var delivered = all.Where(static r => r.Status == 200).ToList();
        var firsts = delivered.GroupBy(static r => r.Id).Select(static g => g.First()).ToList();
        Assert.Equal(["drop.opened", "sale.confirmed", "sale.confirmed", "drop.sold_out", "sale.cancelled", "drop.closed"],
            firsts.Select(static r => Type(r.Body)));
        Assert.InRange(delivered.Count, 6, 7);
        var closed = JsonDocument.Parse(firsts[5].Body).RootElement.GetProperty("data");
        Assert.Equal(("cancelled", 1), (closed.GetProperty("reason").GetString(), closed.GetProperty("headline").GetProperty("paid").GetInt32()));
        Assert.Equal(reservations[1], JsonDocument.Parse(firsts[2].Body).RootElement.GetProperty("data").GetProperty("reservationId").GetString());
        var states = deliveries.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal(6, states.Count);
        Assert.All(states, static d => Assert.Equal("delivered", d.GetProperty("state").GetString()));
        Assert.Equal(4, states[^1].GetProperty("attempts").GetInt32());
    }

    private sealed record Received(string Id, string Timestamp, string Signature, string Body, int Status);

    private static string Type(string body) => JsonDocument.Parse(body).RootElement.GetProperty("type").GetString()!;

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    /// <summary>Reserves one unit and confirms it; returns the reservation id once the buyer saw 200.</summary>
    private static async Task<string> BuyAsync(EdgeNode edge, string token, CancellationToken cancellationToken)
    {
        using var reserve = new HttpRequestMessage(HttpMethod.Post, $"/v1/drops/{DropId}/reservations")
        {
            Content = new StringContent($$"""{"skuId":"{{Sku}}","quantity":1}""", Encoding.UTF8, "application/json"),
        };
        reserve.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var reserved = await edge.Http.SendAsync(reserve, cancellationToken);
        var body = await reserved.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(reserved.StatusCode == HttpStatusCode.Created, $"{reserved.StatusCode} {body}");
        var id = JsonDocument.Parse(body).RootElement.GetProperty("reservationId").GetString()!;
        using var confirm = new HttpRequestMessage(HttpMethod.Post, $"/v1/reservations/{id}/confirm");
        confirm.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var confirmed = await edge.Http.SendAsync(confirm, cancellationToken);
        Assert.True(confirmed.StatusCode == HttpStatusCode.OK, $"{confirmed.StatusCode} {await confirmed.Content.ReadAsStringAsync(cancellationToken)}");
        return id;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, ConcurrentQueue<Received> received, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"Waited 60 s for {what}. Received: {string.Join(" | ", received.Select(static r => $"{r.Status} {r.Body}"))}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
