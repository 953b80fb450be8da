using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.Origin.Tests.CatalogAdmin;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Origin.Tests.Drops;

/// <summary>
/// The drop admin API and the DropInventory gRPC service on the in-memory origin (real SQLite,
/// fake clock): authorization and tenancy, validation keyed by JSON path, edits before the start
/// only, cancel, and precise gRPC status codes for bad input.
/// </summary>
public sealed class DropsApiTests(OriginApiFixture fixture) : IClassFixture<OriginApiFixture>, IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = fixture.Server.CreateHandler() });

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PutDrop_ValidBody_CreatesThenGetShowsPhaseAndStock()
    {
        // Arrange
        var client = await ClientAsync(creatorId: "creator-put");
        var body = Body(fixture.TimeProvider.GetUtcNow().AddHours(1), earlyAccess: """{"minutes":10,"audience":"tier:gold"}""");

        // Act
        using var put = await client.PutAsync("/admin/v1/creators/creator-put/drops/put-drop-1", Json(body), CancellationToken);
        using var again = await client.PutAsync("/admin/v1/creators/creator-put/drops/put-drop-1", Json(body), CancellationToken);
        var drop = await client.GetFromJsonAsync<JsonElement>("/admin/v1/creators/creator-put/drops/put-drop-1", CancellationToken);
        var list = await client.GetFromJsonAsync<JsonElement>("/admin/v1/creators/creator-put/drops", CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("created", (await put.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("outcome").GetString());
        Assert.Equal("unchanged", (await again.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("outcome").GetString());
        Assert.Equal("scheduled", drop.GetProperty("phase").GetString());
        Assert.Equal("tier:gold", drop.GetProperty("earlyAccess").GetProperty("audience").GetString());
        var sku = drop.GetProperty("skus")[0];
        Assert.Equal((40, 0, 0, 40), (sku.GetProperty("allocation").GetInt32(), sku.GetProperty("sold").GetInt32(), sku.GetProperty("leased").GetInt32(), sku.GetProperty("available").GetInt32()));
        Assert.Equal("put-drop-1", Assert.Single(list.GetProperty("drops").EnumerateArray()).GetProperty("dropId").GetString());
    }

    [Fact]
    public async Task PutDrop_InvalidBody_422ListsEveryErrorByJsonPath()
    {
        // Arrange
        var client = await ClientAsync(creatorId: "creator-bad");
        const string Body = """
            {"title":"","startsAt":"2026-12-01 20:00","endsAt":"2026-12-01T19:00:00Z","earlyAccess":{"minutes":0,"audience":"vip"},
             "perViewerLimit":0,"allocations":[{"skuId":"ok-1","units":5},{"skuId":"ok-1","units":0},{"skuId":"bad id"}],"extra":true}
            """;

        // Act
        using var response = await client.PutAsync("/admin/v1/creators/creator-bad/drops/bad-drop", Json(Body), CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = problem.GetProperty("errors").EnumerateObject().Select(static e => e.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            ["allocations[1].skuId", "allocations[1].units", "allocations[2].skuId", "allocations[2].units", "earlyAccess.audience", "earlyAccess.minutes", "extra", "perViewerLimit", "startsAt", "title"],
            errors);
    }

    [Theory]
    [InlineData("{", HttpStatusCode.BadRequest)]
    [InlineData("[]", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"title":"t","startsAt":"2020-01-01T00:00:00Z","endsAt":"2020-01-02T00:00:00Z","perViewerLimit":1,"allocations":[{"skuId":"a","units":1}]}""", HttpStatusCode.UnprocessableEntity)]
    public async Task PutDrop_MalformedOrEnded_ProblemDetails(string body, HttpStatusCode expected)
    {
        // Arrange
        var client = await ClientAsync(creatorId: "creator-bad");

        // Act
        using var response = await client.PutAsync("/admin/v1/creators/creator-bad/drops/bad-drop-2", Json(body), CancellationToken);

        // Assert
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PutDrop_WrongMediaTypeOrBadIds_415And400()
    {
        // Arrange
        var client = await ClientAsync(creatorId: null);

        // Act
        using var text = await client.PutAsync("/admin/v1/creators/c1/drops/d1", new StringContent("{}", Encoding.UTF8, "text/plain"), CancellationToken);
        using var badId = await client.PutAsync("/admin/v1/creators/c1/drops/bad%20id", Json("{}"), CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
    }

    [Fact]
    public async Task DropsApi_WithoutTokenWrongScopeOrOtherTenant_401_403_404()
    {
        // Arrange
        using var anonymous = fixture.CreateAnonymousClient();
        var wrongScope = await ClientAsync(creatorId: "creator-t", scope: Scopes.AdminCatalog);
        var owner = await ClientAsync(creatorId: "creator-t");
        var other = await ClientAsync(creatorId: "creator-u");
        using var created = await owner.PutAsync("/admin/v1/creators/creator-t/drops/tenant-drop", Json(Body(fixture.TimeProvider.GetUtcNow().AddHours(1))), CancellationToken);

        // Act
        using var noToken = await anonymous.GetAsync("/admin/v1/creators/creator-t/drops/tenant-drop", CancellationToken);
        using var noScope = await wrongScope.GetAsync("/admin/v1/creators/creator-t/drops/tenant-drop", CancellationToken);
        using var otherGet = await other.GetAsync("/admin/v1/creators/creator-t/drops/tenant-drop", CancellationToken);
        using var otherCancel = await other.DeleteAsync("/admin/v1/creators/creator-t/drops/tenant-drop", CancellationToken);
        using var otherPutSameId = await other.PutAsync("/admin/v1/creators/creator-u/drops/tenant-drop", Json(Body(fixture.TimeProvider.GetUtcNow().AddHours(1))), CancellationToken);
        using var missing = await owner.GetAsync("/admin/v1/creators/creator-t/drops/no-such-drop", CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, noScope.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherGet.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherCancel.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, otherPutSameId.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        // Another tenant's drop answers exactly like a drop that does not exist.
        Assert.Equal(
            (await missing.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("title").GetString(),
            (await otherGet.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task PutDrop_AfterItOpened_409ButCancelWorks()
    {
        // Arrange
        var client = await ClientAsync(creatorId: "creator-edit");
        var startsAt = fixture.TimeProvider.GetUtcNow().AddSeconds(-30);
        using var created = await client.PutAsync("/admin/v1/creators/creator-edit/drops/edit-drop", Json(Body(startsAt)), CancellationToken);

        // Act
        using var edit = await client.PutAsync("/admin/v1/creators/creator-edit/drops/edit-drop", Json(Body(startsAt, units: 50)), CancellationToken);
        using var cancel = await client.DeleteAsync("/admin/v1/creators/creator-edit/drops/edit-drop", CancellationToken);
        var drop = await client.GetFromJsonAsync<JsonElement>("/admin/v1/creators/creator-edit/drops/edit-drop", CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, edit.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(("closed", true), (drop.GetProperty("phase").GetString(), drop.GetProperty("cancelled").GetBoolean()));
    }

    [Fact]
    public async Task DropInventory_BadInputOrWrongEdge_InvalidArgumentNotFoundOrRefused()
    {
        // Arrange
        var client = new DropInventory.DropInventoryClient(_channel);
        var edge = Sync.OriginSyncClient.Authorization(fixture, "e");
        var anotherEdge = Sync.OriginSyncClient.Authorization(fixture, "edge-other");

        // Act
        var badUnits = await Assert.ThrowsAsync<RpcException>(() => client.AcquireLeaseAsync(new AcquireLeaseRequest { DropId = "d", SkuId = "s", EdgeId = "e", Units = 0 }, edge, cancellationToken: CancellationToken).ResponseAsync);
        var badId = await Assert.ThrowsAsync<RpcException>(() => client.AcquireLeaseAsync(new AcquireLeaseRequest { DropId = "bad id", SkuId = "s", EdgeId = "e", Units = 1 }, edge, cancellationToken: CancellationToken).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.AcquireLeaseAsync(new AcquireLeaseRequest { DropId = "nope", SkuId = "s", EdgeId = "e", Units = 1 }, edge, cancellationToken: CancellationToken).ResponseAsync);
        var badSale = await Assert.ThrowsAsync<RpcException>(() => client.ConfirmSaleAsync(new ConfirmSaleRequest { DropId = "d", SkuId = "s", LeaseId = "l", ReservationId = "r", Quantity = 0, Viewer = "v" }, edge, cancellationToken: CancellationToken).ResponseAsync);
        var noLease = await Assert.ThrowsAsync<RpcException>(() => client.ConfirmSaleAsync(new ConfirmSaleRequest { DropId = "d", SkuId = "s", LeaseId = "l", ReservationId = "r", Quantity = 1, Viewer = "v" }, edge, cancellationToken: CancellationToken).ResponseAsync);
        var badRsvp = await Assert.ThrowsAsync<RpcException>(() => client.RsvpAsync(new RsvpRequest { DropId = "d", Viewer = "" }, edge, cancellationToken: CancellationToken).ResponseAsync);
        var rsvpUnknown = await Assert.ThrowsAsync<RpcException>(() => client.RsvpAsync(new RsvpRequest { DropId = "nope", Viewer = "v" }, edge, cancellationToken: CancellationToken).ResponseAsync);

        var noToken = await Assert.ThrowsAsync<RpcException>(() => client.AcquireLeaseAsync(new AcquireLeaseRequest { DropId = "d", SkuId = "s", EdgeId = "e", Units = 1 }, cancellationToken: CancellationToken).ResponseAsync);
        var impostor = await Assert.ThrowsAsync<RpcException>(() => client.AcquireLeaseAsync(new AcquireLeaseRequest { DropId = "nope", SkuId = "s", EdgeId = "e", Units = 1 }, anotherEdge, cancellationToken: CancellationToken).ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.Unauthenticated, noToken.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, impostor.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badUnits.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badSale.StatusCode);
        Assert.Equal(StatusCode.NotFound, noLease.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badRsvp.StatusCode);
        Assert.Equal(StatusCode.NotFound, rsvpUnknown.StatusCode);
        Assert.Empty(fixture.ErrorLogs);
    }

    [Fact]
    public async Task PutDrop_SkuNotInTheCreatorsCatalog_422NamesEachBadAllocationByJsonPath()
    {
        // Arrange: creator-sku sells hoodie-01-m; creator-other sells other-01-m; creator-none has no catalog.
        var client = await ClientAsync(creatorId: "creator-sku");
        (await PushCatalogAsync("creator-other", force: false, "other-01-m")).Dispose();
        using var none = await TokenClientAsync("creator-none", Scopes.AdminDrops);
        var startsAt = fixture.TimeProvider.GetUtcNow().AddHours(1);
        var body = Body(startsAt).Replace("""[{"skuId":"hoodie-01-m","units":40}]""", """[{"skuId":"hoodie-01-m","units":40},{"skuId":"hoodie-01-mm","units":1},{"skuId":"other-01-m","units":1}]""", StringComparison.Ordinal);

        // Act
        using var mixed = await client.PutAsync("/admin/v1/creators/creator-sku/drops/sku-drop-1", Json(body), CancellationToken);
        using var noCatalog = await none.PutAsync("/admin/v1/creators/creator-none/drops/sku-drop-2", Json(Body(startsAt)), CancellationToken);
        using var stored = await client.GetAsync("/admin/v1/creators/creator-sku/drops/sku-drop-1", CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.UnprocessableEntity, mixed.StatusCode);
        var errors = (await mixed.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("errors");
        Assert.Equal(["allocations[1].skuId", "allocations[2].skuId"], errors.EnumerateObject().Select(static e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noCatalog.StatusCode);
        Assert.Equal(["allocations[0].skuId"], (await noCatalog.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("errors").EnumerateObject().Select(static e => e.Name));
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);
    }

    [Fact]
    public async Task PutCatalog_RemovingASkuOfAScheduledDrop_409NamesDropAndSkuUnlessForced()
    {
        // Arrange
        var client = await ClientAsync(creatorId: "creator-withdraw");
        using (var put = await client.PutAsync("/admin/v1/creators/creator-withdraw/drops/withdraw-drop", Json(Body(fixture.TimeProvider.GetUtcNow().AddHours(1))), CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        // Act
        using var refused = await PushCatalogAsync("creator-withdraw", force: false, "tee-01-m");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(CancellationToken);
        using var forced = await PushCatalogAsync("creator-withdraw", force: true, "tee-01-m");

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["hoodie-01-m"], problem.GetProperty("drops").GetProperty("withdraw-drop").EnumerateArray().Select(static s => s.GetString()));
        Assert.Contains("withdraw-drop", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
    }

    public void Dispose() => _channel.Dispose();

    /// <summary>A client for <paramref name="creatorId"/>, whose catalog (pushed first) sells <c>hoodie-01-m</c>: drops sell only catalog SKUs.</summary>
    private async Task<HttpClient> ClientAsync(string? creatorId, string scope = Scopes.AdminDrops)
    {
        if (creatorId is not null)
        {
            (await PushCatalogAsync(creatorId, force: false, "hoodie-01-m")).Dispose();
        }

        return await TokenClientAsync(creatorId, scope);
    }

    private async Task<HttpResponseMessage> PushCatalogAsync(string creatorId, bool force, params string[] skus)
    {
        using var catalogClient = await TokenClientAsync(creatorId, Scopes.AdminCatalog);
        var catalog = CatalogSamples.Catalog(CatalogSamples.Product(skus: "[" + string.Join(",", skus.Select(static id => CatalogSamples.Sku(id, id))) + "]"));
        return await catalogClient.PutAsync($"/admin/v1/creators/{creatorId}/catalog{(force ? "?force=true" : "")}", Json(catalog), CancellationToken);
    }

    private async Task<HttpClient> TokenClientAsync(string? creatorId, string scope)
    {
        var issuer = fixture.Services.GetRequiredService<AccessTokenIssuer>();
        string[] scopes = creatorId is null ? [scope, Scopes.AdminPlatform] : [scope];
        var (token, _) = await issuer.MintAsync(new TokenRequest("admin-" + (creatorId ?? "platform"), creatorId, scopes, TimeSpan.FromHours(1), Audiences.Origin, null), CancellationToken);
        var client = fixture.CreateDefaultClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Body(DateTimeOffset startsAt, int units = 40, string? earlyAccess = null)
        => $$"""
            {"title":"Tour drop","startsAt":"{{startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}","endsAt":"{{startsAt.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}",
             {{(earlyAccess is null ? "" : $"\"earlyAccess\":{earlyAccess},")}}"perViewerLimit":2,"allocations":[{"skuId":"hoodie-01-m","units":{{units}}}]}
            """;
}
