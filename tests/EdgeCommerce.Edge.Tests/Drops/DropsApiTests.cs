using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Tests.Infrastructure;
using EdgeCommerce.ServiceDefaults.Authentication;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>
/// The viewer-facing drop endpoints on the in-memory edge, with real ES256 tokens validated
/// against keys delivered in the replica: every endpoint's bad input, the status codes a client
/// relies on, and the server-sent stream reporting a sell-out as soon as the edge applies it.
/// </summary>
public sealed class DropsApiTests : IAsyncLifetime
{
    private readonly EdgeTokens _tokens = new();
    private readonly EdgeApiFixture _fixture;
    private InMemoryDropOrigin _origin = null!;

    public DropsApiTests()
    {
        _fixture = new EdgeApiFixture(keepSyncWorker: false, DropOriginServices.Use(() => _origin));
    }

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _origin = new InMemoryDropOrigin(_fixture.Time, TimeSpan.FromMinutes(10));
        _origin.AddSku("d1", "hoodie-m", 3, 2);
        await _fixture.InitializeAsync();
        var snapshot = new Snapshot
        {
            Revision = 1,
            Keys = _tokens.KeySet,
            Drops = { Drop(revision: 1, sold: 0) },
        };
        await _fixture.Updater.ApplySnapshotAsync(snapshot, CancellationToken);
    }

    [Fact]
    public async Task Reserve_BadInput_ProblemDetailsForEachDefect()
    {
        // Arrange
        var viewer = Client(Scopes.DropReserve);
        var rsvpOnly = Client(Scopes.DropRsvp);
        using var anonymous = _fixture.CreateClient();

        // Act
        using var noToken = await anonymous.PostAsync("/v1/drops/d1/reservations", Json("""{"skuId":"hoodie-m","quantity":1}"""), CancellationToken);
        using var noScope = await rsvpOnly.PostAsync("/v1/drops/d1/reservations", Json("""{"skuId":"hoodie-m","quantity":1}"""), CancellationToken);
        using var text = await viewer.PostAsync("/v1/drops/d1/reservations", new StringContent("x", Encoding.UTF8, "text/plain"), CancellationToken);
        using var broken = await viewer.PostAsync("/v1/drops/d1/reservations", Json("{"), CancellationToken);
        using var invalid = await viewer.PostAsync("/v1/drops/d1/reservations", Json("""{"skuId":"bad id","quantity":0,"extra":1}"""), CancellationToken);
        using var empty = await viewer.PostAsync("/v1/drops/d1/reservations", Json("{}"), CancellationToken);
        using var unknownSku = await viewer.PostAsync("/v1/drops/d1/reservations", Json("""{"skuId":"other","quantity":1}"""), CancellationToken);
        using var unknownDrop = await viewer.PostAsync("/v1/drops/nope/reservations", Json("""{"skuId":"hoodie-m","quantity":1}"""), CancellationToken);
        using var badKey = await Send(viewer, HttpMethod.Post, "/v1/drops/d1/reservations", """{"skuId":"hoodie-m","quantity":1}""", key: new string('k', 129));
        using var huge = await viewer.PostAsync("/v1/drops/d1/reservations", Json(new string(' ', 5000) + "{}"), CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, noScope.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Equal(["extra", "quantity", "skuId"], await ErrorKeys(invalid));
        Assert.Equal(["quantity", "skuId"], await ErrorKeys(empty));
        Assert.Equal(["skuId"], await ErrorKeys(unknownSku));
        Assert.Equal(HttpStatusCode.NotFound, unknownDrop.StatusCode);
        Assert.Equal(["Idempotency-Key"], await ErrorKeys(badKey));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        foreach (var response in new[] { text, broken, invalid, unknownDrop, badKey, huge })
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Reserve_ThenConfirmReleaseAndRetry_TheAnswersAClientRelieson()
    {
        // Arrange
        var viewer = Client(Scopes.DropReserve, subject: "viewer-a");
        var stranger = Client(Scopes.DropReserve, subject: "viewer-b");

        // Act
        using var created = await Send(viewer, HttpMethod.Post, "/v1/drops/d1/reservations", """{"skuId":"hoodie-m","quantity":1}""", key: "key-1");
        using var replayed = await Send(viewer, HttpMethod.Post, "/v1/drops/d1/reservations", """{"skuId":"hoodie-m","quantity":1}""", key: "key-1");
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("reservationId").GetString();
        using var strangerConfirm = await stranger.PostAsync($"/v1/reservations/{id}/confirm", null, CancellationToken);
        using var unknownConfirm = await viewer.PostAsync("/v1/reservations/nope/confirm", null, CancellationToken);
        using var confirmed = await viewer.PostAsync($"/v1/reservations/{id}/confirm", null, CancellationToken);
        using var confirmedAgain = await viewer.PostAsync($"/v1/reservations/{id}/confirm", null, CancellationToken);
        using var releaseConfirmed = await viewer.DeleteAsync($"/v1/reservations/{id}", CancellationToken);
        using var second = await Send(viewer, HttpMethod.Post, "/v1/drops/d1/reservations", """{"skuId":"hoodie-m","quantity":1}""", key: "key-2");
        var secondId = (await second.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("reservationId").GetString();
        using var overLimit = await Send(viewer, HttpMethod.Post, "/v1/drops/d1/reservations", """{"skuId":"hoodie-m","quantity":1}""", key: "key-3");
        using var released = await viewer.DeleteAsync($"/v1/reservations/{secondId}", CancellationToken);
        using var unknownRelease = await viewer.DeleteAsync("/v1/reservations/nope", CancellationToken);
        using var confirmReleased = await viewer.PostAsync($"/v1/reservations/{secondId}/confirm", null, CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/v1/reservations/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Created, replayed.StatusCode);
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(HttpStatusCode.NotFound, strangerConfirm.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownConfirm.StatusCode);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal("confirmed", (await confirmedAgain.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, releaseConfirmed.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, overLimit.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownRelease.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, confirmReleased.StatusCode);
        Assert.Equal(1, _origin.Sold("d1", "hoodie-m"));
    }

    [Fact]
    public async Task Reserve_OriginDown_503WithRetryAfter()
    {
        // Arrange
        var viewer = Client(Scopes.DropReserve, subject: "viewer-down");
        _origin.Down = true;

        // Act
        using var response = await Send(viewer, HttpMethod.Post, "/v1/drops/d1/reservations", """{"skuId":"hoodie-m","quantity":1}""");

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
    }

    /// <summary>Catches the misleading "held by other reservations" answer and a confirm that drops the reservation while the origin cannot be reached.</summary>
    [Fact]
    public async Task ReserveAndConfirm_OriginUnreachable_503TheOriginCannotBeReachedWithRetryAfterAndTheReservationStaysHeld()
    {
        // Arrange: the viewer's reservation takes the edge's only leased unit.
        var viewer = Client(Scopes.DropReserve, subject: "viewer-unreachable");
        using var made = await Send(viewer, HttpMethod.Post, "/v1/drops/d1/reservations", """{"skuId":"hoodie-m","quantity":1}""");
        var id = (await made.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("reservationId").GetString();
        _origin.UnreachableFor = TimeSpan.FromSeconds(4);

        // Act
        using var reserve = await Send(viewer, HttpMethod.Post, "/v1/drops/d1/reservations", """{"skuId":"hoodie-m","quantity":1}""");
        using var confirm = await viewer.PostAsync($"/v1/reservations/{id}/confirm", null, CancellationToken);
        _origin.UnreachableFor = null;
        using var confirmAfter = await viewer.PostAsync($"/v1/reservations/{id}/confirm", null, CancellationToken);

        // Assert
        foreach (var response in new[] { reserve, confirm })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(4), response.Headers.RetryAfter?.Delta);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken);
            Assert.Equal("The origin cannot be reached.", problem.GetProperty("title").GetString());
            Assert.Equal("origin_unreachable", problem.GetProperty("reason").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, confirmAfter.StatusCode);
    }

    [Fact]
    public async Task Rsvp_BadCallersAndRepeats_401_403_404_ThenIdempotent200()
    {
        // Arrange
        var viewer = Client(Scopes.DropRsvp, subject: "viewer-r");
        var reserveOnly = Client(Scopes.DropReserve);
        using var anonymous = _fixture.CreateClient();

        // Act
        using var noToken = await anonymous.PostAsync("/v1/drops/d1/rsvp", null, CancellationToken);
        using var noScope = await reserveOnly.PostAsync("/v1/drops/d1/rsvp", null, CancellationToken);
        using var unknown = await viewer.PostAsync("/v1/drops/nope/rsvp", null, CancellationToken);
        using var first = await viewer.PostAsync("/v1/drops/d1/rsvp", null, CancellationToken);
        using var second = await viewer.PostAsync("/v1/drops/d1/rsvp", null, CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, noScope.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task StreamDrop_SellOutApplied_NextEventSaysSoldOut()
    {
        // Arrange
        using var client = _fixture.CreateClient();
        using var missing = await client.GetAsync("/v1/drops/nope", CancellationToken);
        var current = await client.GetFromJsonAsync<JsonElement>("/v1/drops/d1", CancellationToken);
        using var response = await client.GetAsync("/v1/drops/d1/stream", HttpCompletionOption.ResponseHeadersRead, CancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(CancellationToken));
        var first = await ReadEventAsync(reader);

        // Act
        await _fixture.ApplyDropAsync(revision => Drop(revision, sold: 3), CancellationToken);
        var next = await ReadEventAsync(reader);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("open", current.GetProperty("phase").GetString());
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(("open", 3), (first.GetProperty("phase").GetString(), first.GetProperty("skus")[0].GetProperty("available").GetInt32()));
        Assert.Equal("sold_out", next.GetProperty("phase").GetString());
        Assert.True(next.GetProperty("skus")[0].GetProperty("soldOut").GetBoolean());
    }

    [Fact]
    public async Task GetDropAndReserve_SkuNoLongerInTheCreatorsCatalog_ShowsWithdrawnAndAnswers409()
    {
        // Arrange: c1's catalog sells hoodie-m, then a forced push replaces it with tee only.
        var viewer = Client(Scopes.DropReserve);
        using var client = _fixture.CreateClient();
        await ApplyCatalogAsync("hoodie");
        var before = await client.GetFromJsonAsync<JsonElement>("/v1/drops/d1", CancellationToken);
        await ApplyCatalogAsync("tee");

        // Act
        var after = await client.GetFromJsonAsync<JsonElement>("/v1/drops/d1", CancellationToken);
        var list = await client.GetFromJsonAsync<JsonElement>("/v1/creators/c1/drops", CancellationToken);
        using var reserve = await viewer.PostAsync("/v1/drops/d1/reservations", Json("""{"skuId":"hoodie-m","quantity":1}"""), CancellationToken);
        var problem = await reserve.Content.ReadFromJsonAsync<JsonElement>(CancellationToken);

        // Assert
        Assert.Equal((false, 3), (before.GetProperty("skus")[0].GetProperty("withdrawn").GetBoolean(), before.GetProperty("skus")[0].GetProperty("available").GetInt32()));
        Assert.Equal((true, 0), (after.GetProperty("skus")[0].GetProperty("withdrawn").GetBoolean(), after.GetProperty("skus")[0].GetProperty("available").GetInt32()));
        Assert.True(list.GetProperty("drops")[0].GetProperty("skus")[0].GetProperty("withdrawn").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, reserve.StatusCode);
        Assert.Equal("This item was withdrawn from the drop.", problem.GetProperty("title").GetString());
        Assert.Equal(0, _origin.LeaseCalls);
    }

    private async Task ApplyCatalogAsync(string productId)
    {
        var previous = _fixture.Holder.Current.Revision;
        await _fixture.Updater.ApplyBatchAsync(CatalogData.Batch(previous, previous + 1, CatalogData.Upsert(CatalogData.CatalogOf("c1", previous + 1, productId))), CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Assert.Empty(_fixture.ErrorLogs);
        await _fixture.DisposeAsync();
        _tokens.Dispose();
    }

    private static async Task<JsonElement> ReadEventAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync(CancellationToken) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            }
        }

        throw new EndOfStreamException();
    }

    private DropState Drop(long revision, int sold)
    {
        var start = _fixture.Time.GetUtcNow().AddMinutes(-1);
        return new DropState
        {
            DropId = "d1",
            CreatorId = "c1",
            Revision = revision,
            Title = "Tour drop",
            StartsAtUnixMs = start.ToUnixTimeMilliseconds(),
            EndsAtUnixMs = start.AddHours(2).ToUnixTimeMilliseconds(),
            PerViewerLimit = 2,
            Skus = { new DropSku { SkuId = "hoodie-m", Allocation = 3, Sold = sold } },
        };
    }

    private HttpClient Client(string scope, string subject = "viewer-1")
    {
        var client = _fixture.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _tokens.Mint(_fixture.Time.GetUtcNow(), "c1", scope, subject));
        return client;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string body, string? key = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = Json(body) };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return client.SendAsync(request, CancellationToken);
    }

    private static async Task<string[]> ErrorKeys(HttpResponseMessage response)
        => [.. (await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("errors").EnumerateObject().Select(static e => e.Name).Order(StringComparer.Ordinal)];
}
