using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Drops.Admission;
using EdgeCommerce.Edge.RateLimiting;
using EdgeCommerce.Edge.Tests.Infrastructure;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Edge.Tests.Drops.Admission;

/// <summary>
/// The waiting room over HTTP on the in-memory edge, with real ES256 tokens: the shop page's
/// contract (202 with a ticket before the start, admission at the start, the reservation with
/// Queue-Ticket), tickets that do not check (one fixed 404, 403 on a reservation), a sell-out on
/// the ticket at once, a full room, and the per-viewer rate limit on drop endpoints.
/// </summary>
public sealed class AdmissionApiTests : IAsyncDisposable
{
    private const string DropId = "d1";
    private const string Sku = "hoodie-m";

    private readonly EdgeTokens _tokens = new();
    private EdgeApiFixture? _fixture;
    private InMemoryDropOrigin _origin = null!;

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    private DateTimeOffset StartsAt => EdgeApiFixture.StartTime.AddMinutes(1);

    [Fact]
    public async Task Reserve_BeforeTheStart_202TicketThenAdmittedAtTheStartAndReservesWithQueueTicket()
    {
        // Arrange
        var fixture = await StartAsync();
        var viewer = Client(fixture, "viewer-a");
        var other = Client(fixture, "viewer-b");

        // Act
        using var queued = await Reserve(viewer, key: "k-1");
        var body = await Json(queued);
        var ticket = body.GetProperty("ticket").GetString()!;
        using var joinAgain = await viewer.PostAsync($"/v1/drops/{DropId}/queue", null, CancellationToken);
        using var joinOther = await other.PostAsync($"/v1/drops/{DropId}/queue", null, CancellationToken);
        // The page polls while it waits (a viewer silent for Drops:Admission:AbandonAfter, 30 s, has left).
        fixture.Time.SetUtcNow(StartsAt.AddSeconds(-10));
        var before = await viewer.GetFromJsonAsync<JsonElement>($"/v1/drops/{DropId}/queue/{ticket}", CancellationToken);
        fixture.Time.SetUtcNow(StartsAt);
        var atStart = await viewer.GetFromJsonAsync<JsonElement>(body.GetProperty("statusUrl").GetString(), CancellationToken);
        using var reserved = await Reserve(viewer, key: "k-1", ticket: ticket);

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        Assert.Equal($"/v1/drops/{DropId}/queue/{ticket}", queued.Headers.Location?.OriginalString);
        Assert.Equal(body.GetProperty("statusUrl").GetString(), queued.Headers.Location?.OriginalString);
        Assert.Equal(("waiting", JsonValueKind.Null), (body.GetProperty("state").GetString(), body.GetProperty("position").ValueKind));
        Assert.Equal(StartsAt, body.GetProperty("opensAt").GetDateTimeOffset());
        Assert.Equal(QueueTickets.Length, ticket.Length);
        Assert.Equal(HttpStatusCode.OK, joinAgain.StatusCode);
        Assert.Equal(ticket, (await Json(joinAgain)).GetProperty("ticket").GetString());
        Assert.Equal(HttpStatusCode.Created, joinOther.StatusCode);
        Assert.NotEqual(ticket, (await Json(joinOther)).GetProperty("ticket").GetString());
        Assert.Equal("waiting", before.GetProperty("state").GetString());
        Assert.Equal(("admitted", StartsAt.AddMinutes(2)), (atStart.GetProperty("state").GetString(), atStart.GetProperty("admittedUntil").GetDateTimeOffset()));
        Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);
    }

    [Fact]
    public async Task Ticket_ForgedTamperedOrAnotherViewers_OneFixed404AndA403OnAReservation()
    {
        // Arrange
        var fixture = await StartAsync();
        var owner = Client(fixture, "viewer-a");
        var stranger = Client(fixture, "viewer-b");
        using var joined = await owner.PostAsync($"/v1/drops/{DropId}/queue", null, CancellationToken);
        var ticket = (await Json(joined)).GetProperty("ticket").GetString()!;
        var tampered = (ticket[0] == 'A' ? "B" : "A") + ticket[1..];
        var forged = Convert.ToBase64String(new byte[64]).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        fixture.Time.SetUtcNow(StartsAt);

        // Act
        using var mine = await owner.GetAsync($"/v1/drops/{DropId}/queue/{ticket}", CancellationToken);
        var answers = new List<HttpResponseMessage>
        {
            await stranger.GetAsync($"/v1/drops/{DropId}/queue/{ticket}", CancellationToken),
            await owner.GetAsync($"/v1/drops/{DropId}/queue/{tampered}", CancellationToken),
            await owner.GetAsync($"/v1/drops/{DropId}/queue/{forged}", CancellationToken),
            await owner.GetAsync($"/v1/drops/{DropId}/queue/short", CancellationToken),
            await owner.GetAsync($"/v1/drops/other-drop/queue/{ticket}", CancellationToken),
        };
        using var strangerReserves = await Reserve(stranger, ticket: ticket);
        using var tamperedReserve = await Reserve(owner, ticket: tampered);

        // Assert: the same problem for every one of them, nothing to tell them apart.
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        var problems = new List<string>();
        foreach (var answer in answers)
        {
            Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            var problem = await Json(answer);
            problems.Add($"{problem.GetProperty("status")}|{problem.GetProperty("title")}|{problem.GetProperty("detail")}|{problem.GetProperty("type")}");
            answer.Dispose();
        }

        Assert.Single(problems.Distinct());
        foreach (var refused in new[] { strangerReserves, tamperedReserve })
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.True((await Json(refused)).GetProperty("invalidQueueTicket").GetBoolean());
        }
    }

    [Fact]
    public async Task Ticket_DropSellsOutWhileWaiting_StatusSaysSoldOutAtOnce()
    {
        // Arrange
        var fixture = await StartAsync();
        var viewer = Client(fixture, "viewer-a");
        using var joined = await viewer.PostAsync($"/v1/drops/{DropId}/queue", null, CancellationToken);
        var statusUrl = (await Json(joined)).GetProperty("statusUrl").GetString();

        // Act: the sale that empties the drop reaches the edge; the clock does not move.
        await fixture.ApplyDropAsync(revision => Drop(revision, sold: 3), CancellationToken);
        var status = await viewer.GetFromJsonAsync<JsonElement>(statusUrl, CancellationToken);
        using var joinNow = await viewer.PostAsync($"/v1/drops/{DropId}/queue", null, CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.Created, joined.StatusCode);
        Assert.Equal("soldOut", status.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, joinNow.StatusCode);
        Assert.True((await Json(joinNow)).GetProperty("soldOut").GetBoolean());
    }

    /// <summary>
    /// Three units, one viewer per unit, one unit per viewer: three viewers reserve everything; a
    /// fourth is admitted (one viewer at a time while every unit is held) and finds them held, a
    /// fifth waits. One releases: the fourth buys the unit that came back, and the fifth is admitted
    /// at once. What it would catch: passes that outlive their use (the reservers keep their places
    /// until their passes run out, 2 minutes, and nobody is admitted meanwhile), or a capacity that
    /// counts held units as places to fill.
    /// </summary>
    [Fact]
    public async Task Reserve_EveryUnitHeldThenOneReleased_TheAdmittedViewerGetsItAndTheNextIsAdmitted()
    {
        // Arrange
        var fixture = await StartAsync(services => services.Configure<AdmissionOptions>(static o => o.ViewersPerUnsoldUnit = 1), perViewerLimit: 1);
        fixture.Time.SetUtcNow(StartsAt.AddSeconds(1));
        var buyers = new[] { Client(fixture, "viewer-a"), Client(fixture, "viewer-b"), Client(fixture, "viewer-c") };
        var fourth = Client(fixture, "viewer-d");
        var fifth = Client(fixture, "viewer-e");

        // Act: each buyer reserves the limit; the origin's next revision says all three units are leased.
        var reservations = new List<string>();
        foreach (var buyer in buyers)
        {
            using var reserved = await Reserve(buyer);
            Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);
            reservations.Add((await Json(reserved)).GetProperty("reservationId").GetString()!);
        }

        await fixture.ApplyDropAsync(revision => Drop(revision, sold: 0, perViewerLimit: 1, leased: 3), CancellationToken);
        using var held = await Reserve(fourth, key: "k-d");
        using var queued = await Reserve(fifth, key: "k-e");
        var ticket = (await Json(queued)).GetProperty("ticket").GetString()!;
        var whileHeld = await fifth.GetFromJsonAsync<JsonElement>($"/v1/drops/{DropId}/queue/{ticket}", CancellationToken);
        using var released = await buyers[0].DeleteAsync($"/v1/reservations/{reservations[0]}", CancellationToken);
        using var fourthGetsIt = await Reserve(fourth, key: "k-d");
        var afterIt = await fifth.GetFromJsonAsync<JsonElement>($"/v1/drops/{DropId}/queue/{ticket}", CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, held.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        Assert.Equal("waiting", whileHeld.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fourthGetsIt.StatusCode);
        Assert.Equal("admitted", afterIt.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Join_RoomFull_503WithRetryAfterForNewViewersOnly()
    {
        // Arrange
        var fixture = await StartAsync(services => services.Configure<AdmissionOptions>(static o => o.MaxTickets = 1));
        var first = Client(fixture, "viewer-a");
        var second = Client(fixture, "viewer-b");

        // Act
        using var firstJoin = await first.PostAsync($"/v1/drops/{DropId}/queue", null, CancellationToken);
        using var secondJoin = await second.PostAsync($"/v1/drops/{DropId}/queue", null, CancellationToken);
        using var secondReserve = await Reserve(second);
        using var firstAgain = await Reserve(first);

        // Assert
        Assert.Equal(HttpStatusCode.Created, firstJoin.StatusCode);
        foreach (var full in new[] { secondJoin, secondReserve })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, full.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), full.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", full.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.Accepted, firstAgain.StatusCode);
    }

    [Fact]
    public async Task DropEndpoints_OverTheViewersRate_429WithRetryAfter()
    {
        // Arrange: a burst of 3 that refills once every 100 s, so no refill can land during the test.
        var fixture = await StartAsync(services => services.Configure<RateLimitOptions>(static o => (o.ViewerBurst, o.ViewerPerSecond) = (3, 0.01)));
        var viewer = Client(fixture, "viewer-a");
        var other = Client(fixture, "viewer-b");

        // Act
        using var one = await Reserve(viewer);
        using var two = await viewer.PostAsync($"/v1/drops/{DropId}/queue", null, CancellationToken);
        using var three = await viewer.PostAsync("/v1/reservations/nope/confirm", null, CancellationToken);
        using var four = await viewer.DeleteAsync("/v1/reservations/nope", CancellationToken);
        using var otherViewer = await Reserve(other);

        // Assert
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.OK, HttpStatusCode.NotFound), (one.StatusCode, two.StatusCode, three.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, four.StatusCode);
        Assert.True(four.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Accepted, otherViewer.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (_fixture is not null)
        {
            Assert.Empty(_fixture.ErrorLogs);
            await _fixture.DisposeAsync();
        }

        _tokens.Dispose();
    }

    private async Task<EdgeApiFixture> StartAsync(Action<IServiceCollection>? configure = null, int perViewerLimit = 2)
    {
        _fixture = new EdgeApiFixture(keepSyncWorker: false, DropOriginServices.Use(() => _origin, configure));
        _origin = new InMemoryDropOrigin(_fixture.Time, TimeSpan.FromMinutes(10));
        _origin.AddSku(DropId, Sku, 3, perViewerLimit);
        await _fixture.InitializeAsync();
        await _fixture.Updater.ApplySnapshotAsync(new Snapshot { Revision = 1, Keys = _tokens.KeySet, Drops = { Drop(revision: 1, sold: 0, perViewerLimit) } }, CancellationToken);
        return _fixture;
    }

    private DropState Drop(long revision, int sold, int perViewerLimit = 2, int leased = 0) => new()
    {
        DropId = DropId,
        CreatorId = "c1",
        Revision = revision,
        Title = "Tour drop",
        StartsAtUnixMs = StartsAt.ToUnixTimeMilliseconds(),
        EndsAtUnixMs = StartsAt.AddHours(2).ToUnixTimeMilliseconds(),
        PerViewerLimit = perViewerLimit,
        Skus = { new DropSku { SkuId = Sku, Allocation = 3, Sold = sold, Leased = leased } },
    };

    private HttpClient Client(EdgeApiFixture fixture, string subject)
    {
        var client = fixture.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _tokens.Mint(fixture.Time.GetUtcNow(), "c1", Scopes.DropReserve, subject));
        return client;
    }

    private static Task<HttpResponseMessage> Reserve(HttpClient client, string? key = null, string? ticket = null)
        => DropRequests.ReserveAsync(client, DropId, Sku, 1, key, ticket, CancellationToken);

    private static async Task<JsonElement> Json(HttpResponseMessage response)
        => await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken);
}
