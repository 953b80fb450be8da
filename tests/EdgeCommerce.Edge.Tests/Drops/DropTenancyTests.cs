using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Drops;
using EdgeCommerce.Edge.Drops.Admission;
using EdgeCommerce.Edge.Tests.Infrastructure;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.Tests.Common;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>
/// Tenancy on every drop endpoint that takes a viewer token, on the in-memory edge with real
/// ES256 tokens: a token minted for creator A (even with the <c>sub</c> of one of B's viewers, even
/// with B's viewer's ticket, reservation id or Idempotency-Key) gets on B's drop exactly the answer
/// a missing drop gets, and nothing is recorded: no RSVP or sale at the origin, no reservation, no
/// ticket, no per-viewer count. A tier counts only for its own creator; a platform operator is
/// no one's viewer.
/// </summary>
public sealed class DropTenancyTests : IAsyncLifetime
{
    private const string CreatorA = "creator-a";
    private const string CreatorB = "creator-b";
    private const string DropB = "drop-b";
    private const string EarlyDropB = "drop-b-early";
    private const string Missing = "no-such-drop";
    private const string Sku = "hoodie-m";
    // The same sub on both sides: the viewer is (creator, sub), so these are two people.
    private const string Subject = "viewer-1";

    private readonly EdgeTokens _tokens = new();
    private readonly EdgeApiFixture _fixture;
    private InMemoryDropOrigin _origin = null!;

    public DropTenancyTests()
    {
        _fixture = new EdgeApiFixture(keepSyncWorker: false, DropOriginServices.Use(() => _origin));
    }

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _origin = new InMemoryDropOrigin(_fixture.Time, TimeSpan.FromMinutes(10));
        _origin.AddSku(DropB, Sku, 10, 2);
        _origin.AddSku(EarlyDropB, Sku, 10, 2);
        await _fixture.InitializeAsync();
        var now = _fixture.Time.GetUtcNow();
        await _fixture.Updater.ApplySnapshotAsync(new Snapshot
        {
            Revision = 1,
            Keys = _tokens.KeySet,
            Drops =
            {
                Drop(DropB, startsAt: now.AddMinutes(-1), earlyMinutes: 0, audience: ""),
                // In its early-access window (opens for everyone in 5 minutes), for B's gold tier only.
                Drop(EarlyDropB, startsAt: now.AddMinutes(5), earlyMinutes: 10, audience: "tier:gold"),
            },
        }, CancellationToken);
    }

    [Fact]
    public async Task DropEndpoints_AnotherCreatorsViewerWithTheSameSub_AnsweredLikeAMissingDropAndNothingRecorded()
    {
        // Arrange: B's viewer has a ticket and a held reservation on B's drop.
        var viewerB = Client(CreatorB, Subject);
        var viewerA = Client(CreatorA, Subject);
        using var joinedB = await viewerB.PostAsync($"/v1/drops/{DropB}/queue", null, CancellationToken);
        var ticketB = (await Json(joinedB)).GetProperty("ticket").GetString()!;
        using var reservedB = await Reserve(viewerB, DropB, quantity: 1, key: "key-1");
        var reservationB = (await Json(reservedB)).GetProperty("reservationId").GetString()!;
        var rooms = Admission.Rooms;

        // Act: each endpoint on B's drop (with B's viewer's ticket, key and reservation), then the same on a missing one.
        var pairs = new List<(string Endpoint, HttpResponseMessage OnB, HttpResponseMessage OnMissing)>
        {
            ("reserve", await Reserve(viewerA, DropB, quantity: 1, key: "key-1"), await Reserve(viewerA, Missing, quantity: 1, key: "key-1")),
            ("reserve with ticket", await Reserve(viewerA, DropB, quantity: 1, ticket: ticketB), await Reserve(viewerA, Missing, quantity: 1, ticket: ticketB)),
            ("rsvp", await viewerA.PostAsync($"/v1/drops/{DropB}/rsvp", null, CancellationToken), await viewerA.PostAsync($"/v1/drops/{Missing}/rsvp", null, CancellationToken)),
            ("queue", await viewerA.PostAsync($"/v1/drops/{DropB}/queue", null, CancellationToken), await viewerA.PostAsync($"/v1/drops/{Missing}/queue", null, CancellationToken)),
            ("queue status", await viewerA.GetAsync($"/v1/drops/{DropB}/queue/{ticketB}", CancellationToken), await viewerA.GetAsync($"/v1/drops/{Missing}/queue/{ticketB}", CancellationToken)),
            ("confirm", await viewerA.PostAsync($"/v1/reservations/{reservationB}/confirm", null, CancellationToken), await viewerA.PostAsync("/v1/reservations/no-such-reservation/confirm", null, CancellationToken)),
            ("release", await viewerA.DeleteAsync($"/v1/reservations/{reservationB}", CancellationToken), await viewerA.DeleteAsync("/v1/reservations/no-such-reservation", CancellationToken)),
        };

        // Assert: 404, and the same bytes as the missing one (but for the per-request trace id).
        foreach (var (endpoint, onB, onMissing) in pairs)
        {
            Assert.True(onB.StatusCode == HttpStatusCode.NotFound, $"{endpoint}: {onB.StatusCode}");
            Assert.Equal(onMissing.StatusCode, onB.StatusCode);
            Assert.Equal(onMissing.Content.Headers.ContentType?.ToString(), onB.Content.Headers.ContentType?.ToString());
            Assert.Equal(await Body(onMissing), await Body(onB));
            onB.Dispose();
            onMissing.Dispose();
        }

        // Nothing recorded: no RSVP or sale at the origin, no new room, B's reservation still held.
        Assert.Equal(0, _origin.Rsvps(DropB));
        Assert.Equal(0, _origin.Sold(DropB, Sku));
        Assert.Equal(rooms, Admission.Rooms);
        Assert.Equal(ReservationState.Held, Reservations.Find(reservationB)!.State);
        using var confirmedB = await viewerB.PostAsync($"/v1/reservations/{reservationB}/confirm", null, CancellationToken);
        Assert.Equal(HttpStatusCode.OK, confirmedB.StatusCode);
        Assert.Equal(1, _origin.SoldTo(DropB, Subject));
    }

    /// <summary>
    /// Creator A's site mints a token with the sub of B's viewer. What it would catch: A spending B's
    /// viewer's per-viewer limit (B's viewer then gets 429), A's RSVP opening B's viewer's early access.
    /// </summary>
    [Fact]
    public async Task Reserve_AnotherCreatorMintsTheViewersSub_CannotSpendTheLimitOrRsvpForThem()
    {
        // Arrange
        var impostor = Client(CreatorA, Subject);
        var viewerB = Client(CreatorB, Subject);

        // Act
        using var spent = await Reserve(impostor, DropB, quantity: 2, key: "k-1");
        using var rsvp = await impostor.PostAsync($"/v1/drops/{EarlyDropB}/rsvp", null, CancellationToken);
        using var ownFirst = await Reserve(viewerB, DropB, quantity: 2, key: "k-1");
        var id = (await Json(ownFirst)).GetProperty("reservationId").GetString();
        using var confirmed = await viewerB.PostAsync($"/v1/reservations/{id}/confirm", null, CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, spent.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, rsvp.StatusCode);
        Assert.Equal(0, _origin.Rsvps(EarlyDropB));
        Assert.Equal(HttpStatusCode.Created, ownFirst.StatusCode);
        Assert.False(ownFirst.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal(2, _origin.SoldTo(DropB, Subject));
    }

    [Fact]
    public async Task Reserve_EarlyAccessTierOfAnotherCreator_DoesNotOpenTheDrop()
    {
        // Arrange
        var goldOfA = Client(CreatorA, "gold-1", tier: "gold");
        var goldOfB = Client(CreatorB, "gold-1", tier: "gold");

        // Act
        using var refused = await Reserve(goldOfA, EarlyDropB, quantity: 1);
        using var missing = await Reserve(goldOfA, Missing, quantity: 1);
        using var admitted = await Reserve(goldOfB, EarlyDropB, quantity: 1);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal(await Body(missing), await Body(refused));
        Assert.Equal(HttpStatusCode.Created, admitted.StatusCode);
    }

    [Fact]
    public async Task DropEndpoints_PlatformOperatorToken_IsNoOnesViewer404()
    {
        // Arrange: an operator token that also carries the viewer scopes (it may read every creator, but it buys as no one).
        var client = _fixture.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            _tokens.Mint(_fixture.Time.GetUtcNow(), creator: null, $"{Scopes.AdminPlatform} {Scopes.DropReserve} {Scopes.DropRsvp}", "ops"));

        // Act
        using var reserve = await Reserve(client, DropB, quantity: 1);
        using var rsvp = await client.PostAsync($"/v1/drops/{DropB}/rsvp", null, CancellationToken);
        using var queue = await client.PostAsync($"/v1/drops/{DropB}/queue", null, CancellationToken);

        // Assert
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound), (reserve.StatusCode, rsvp.StatusCode, queue.StatusCode));
        Assert.Equal(0, _origin.Rsvps(DropB));
        Assert.Equal(0, Admission.Rooms);
    }

    public async ValueTask DisposeAsync()
    {
        Assert.Empty(_fixture.ErrorLogs);
        await _fixture.DisposeAsync();
        _tokens.Dispose();
    }

    private DropAdmission Admission => _fixture.Services.GetRequiredService<DropAdmission>();

    private DropReservations Reservations => _fixture.Services.GetRequiredService<DropReservations>();

    private static DropState Drop(string dropId, DateTimeOffset startsAt, int earlyMinutes, string audience) => new()
    {
        DropId = dropId,
        CreatorId = CreatorB,
        Revision = 1,
        Title = "B's drop",
        StartsAtUnixMs = startsAt.ToUnixTimeMilliseconds(),
        EndsAtUnixMs = startsAt.AddHours(2).ToUnixTimeMilliseconds(),
        EarlyAccessMinutes = earlyMinutes,
        EarlyAccessAudience = audience,
        PerViewerLimit = 2,
        Skus = { new DropSku { SkuId = Sku, Allocation = 10 } },
    };

    private HttpClient Client(string creator, string subject, string? tier = null)
    {
        var client = _fixture.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            _tokens.Mint(_fixture.Time.GetUtcNow(), creator, $"{Scopes.DropReserve} {Scopes.DropRsvp}", subject, tier));
        return client;
    }

    private static Task<HttpResponseMessage> Reserve(HttpClient client, string dropId, int quantity, string? key = null, string? ticket = null)
        => DropRequests.ReserveAsync(client, dropId, Sku, quantity, key, ticket, CancellationToken);

    /// <summary>The body's bytes as text, with the problem's per-request <c>traceId</c> blanked.</summary>
    private static async Task<string> Body(HttpResponseMessage response)
        => ProblemBodies.WithoutTraceId(await response.Content.ReadAsStringAsync(CancellationToken));

    private static async Task<JsonElement> Json(HttpResponseMessage response)
        => await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken);
}
