using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Tests.Common;
using EdgeCommerce.Tests.Common.Drops;

namespace EdgeCommerce.FunctionalTests.Drops;

/// <summary>
/// Tenancy of the drop endpoints over real processes (an origin and one edge on loopback, tokens
/// minted by the origin for two creators): creator A's token carrying the <c>sub</c> of B's viewer
/// gets 404 from reserve, RSVP, queue, confirm and release on B's drop (the body a missing drop
/// gets), and the origin's state for B is unchanged: no sale, no RSVP, stock untouched, and B's
/// real viewer still buys up to the per-viewer limit.
/// </summary>
public sealed class DropTenancyProcessTests
{
    private const string CreatorA = "tenant-a";
    private const string CreatorB = "tenant-b";
    private const string DropId = "tenant-b-drop";
    private const string Sku = "tee-01-m";
    private const string Subject = "viewer-1";
    private const int Limit = 2;

    [Fact]
    public async Task DropEndpoints_TokenOfAnotherCreatorWithTheSameSub_404AndTheOriginsStateForBUnchanged()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var stack = await DropProcesses.StartAsync(data, ["edge-tenancy-1"], cancellationToken);
        var (origin, edge) = (stack.Origin, stack.Edge);
        await PutDropAsync(origin, cancellationToken);
        string[] scopes = ["drop:reserve", "drop:rsvp"];
        var viewerB = await origin.MintTokenAsync(Subject, CreatorB, scopes, "edge", cancellationToken);
        var impostor = await origin.MintTokenAsync(Subject, CreatorA, scopes, "edge", cancellationToken);
        await edge.WaitUntilAsync(async () => (await edge.Http.GetAsync($"/v1/drops/{DropId}", cancellationToken)).IsSuccessStatusCode, "the drop on the edge", cancellationToken);
        var before = await GetDropAsync(origin, cancellationToken);

        // Act: A's token on B's drop, then on a missing drop and reservation for comparison.
        var refused = new List<(string Endpoint, Answer OnB, Answer OnMissing)>
        {
            ("reserve", await SendAsync(edge, HttpMethod.Post, $"/v1/drops/{DropId}/reservations", impostor, Limit, cancellationToken),
                await SendAsync(edge, HttpMethod.Post, "/v1/drops/no-such-drop/reservations", impostor, Limit, cancellationToken)),
            ("rsvp", await SendAsync(edge, HttpMethod.Post, $"/v1/drops/{DropId}/rsvp", impostor, null, cancellationToken),
                await SendAsync(edge, HttpMethod.Post, "/v1/drops/no-such-drop/rsvp", impostor, null, cancellationToken)),
            ("queue", await SendAsync(edge, HttpMethod.Post, $"/v1/drops/{DropId}/queue", impostor, null, cancellationToken),
                await SendAsync(edge, HttpMethod.Post, "/v1/drops/no-such-drop/queue", impostor, null, cancellationToken)),
        };
        var afterRefusals = await GetDropAsync(origin, cancellationToken);
        var reserved = await SendAsync(edge, HttpMethod.Post, $"/v1/drops/{DropId}/reservations", viewerB, Limit, cancellationToken);
        var reservationId = JsonDocument.Parse(reserved.Body).RootElement.GetProperty("reservationId").GetString()!;
        refused.Add(("confirm", await SendAsync(edge, HttpMethod.Post, $"/v1/reservations/{reservationId}/confirm", impostor, null, cancellationToken),
            await SendAsync(edge, HttpMethod.Post, "/v1/reservations/no-such-reservation/confirm", impostor, null, cancellationToken)));
        refused.Add(("release", await SendAsync(edge, HttpMethod.Delete, $"/v1/reservations/{reservationId}", impostor, null, cancellationToken),
            await SendAsync(edge, HttpMethod.Delete, "/v1/reservations/no-such-reservation", impostor, null, cancellationToken)));
        var salesBefore = await GetSalesAsync(origin, cancellationToken);
        var confirmed = await SendAsync(edge, HttpMethod.Post, $"/v1/reservations/{reservationId}/confirm", viewerB, null, cancellationToken);
        var sales = await GetSalesAsync(origin, cancellationToken);

        // Assert: every refusal is the missing drop's (or reservation's) 404, byte for byte but the trace id.
        foreach (var (endpoint, onB, onMissing) in refused)
        {
            Assert.True(onB.Status == HttpStatusCode.NotFound, $"{endpoint}: {onB.Status} {onB.Body}");
            Assert.Equal(onMissing.Status, onB.Status);
            Assert.Equal(ProblemBodies.WithoutTraceId(onMissing.Body), ProblemBodies.WithoutTraceId(onB.Body));
        }

        // The origin's state for B: nothing recorded by A's calls; B's viewer still buys the whole limit.
        Assert.Equal(0, before.GetProperty("rsvps").GetInt64());
        Assert.Equal(0, afterRefusals.GetProperty("rsvps").GetInt64());
        Assert.Equal(0, afterRefusals.GetProperty("skus")[0].GetProperty("sold").GetInt32());
        Assert.Empty(salesBefore.EnumerateArray());
        Assert.Equal(HttpStatusCode.Created, reserved.Status);
        Assert.True(confirmed.Status == HttpStatusCode.OK, confirmed.Body);
        var sale = Assert.Single(sales.EnumerateArray());
        Assert.Equal((reservationId, Subject, Limit), (sale.GetProperty("reservationId").GetString(), sale.GetProperty("viewer").GetString(), sale.GetProperty("quantity").GetInt32()));
    }

    private sealed record Answer(HttpStatusCode Status, string Body);

    private static async Task PutDropAsync(OriginNode origin, CancellationToken cancellationToken)
    {
        await origin.PushSkusAsync(CreatorB, cancellationToken, Sku);
        await origin.PutDropAsync(CreatorB, DropId, DropAdmin.RunningDropJson("B's drop", Limit, (Sku, 10)), cancellationToken);
    }

    private static Task<JsonElement> GetDropAsync(OriginNode origin, CancellationToken cancellationToken)
        => origin.Http.GetFromJsonAsync<JsonElement>($"/admin/v1/creators/{CreatorB}/drops/{DropId}", cancellationToken);

    private static async Task<JsonElement> GetSalesAsync(OriginNode origin, CancellationToken cancellationToken)
        => (await origin.Http.GetFromJsonAsync<JsonElement>($"/admin/v1/creators/{CreatorB}/drops/{DropId}/sales", cancellationToken)).GetProperty("sales");

    /// <summary>A reservation carries the key B's viewer uses too: a key shared across creators would replay B's reservation.</summary>
    private static async Task<Answer> SendAsync(EdgeNode edge, HttpMethod method, string path, string token, int? quantity, CancellationToken cancellationToken)
    {
        var answer = await edge.SendAsync(method, path, token, cancellationToken,
            quantity is { } units ? ViewerCalls.ReserveJson(Sku, units) : null, quantity is null ? null : "key-1");
        return new Answer(answer.Status, answer.Text);
    }
}
