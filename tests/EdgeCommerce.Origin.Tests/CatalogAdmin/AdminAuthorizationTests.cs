using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Tests.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static EdgeCommerce.Origin.Tests.CatalogAdmin.CatalogSamples;

namespace EdgeCommerce.Origin.Tests.CatalogAdmin;

/// <summary>
/// Who may call what on the origin: admin tokens with exact scopes, the tenant only from the
/// token's <c>creator</c> claim (another creator's anything answers like something that does not
/// exist), platform-only registry, keys and minting, and the sync stream for edges only.
/// </summary>
public sealed class AdminAuthorizationTests(OriginApiFixture fixture) : IClassFixture<OriginApiFixture>, IDisposable
{
    private readonly HttpClient _platform = fixture.CreateClient();
    private readonly HttpClient _anonymous = fixture.CreateAnonymousClient();

    public void Dispose()
    {
        _platform.Dispose();
        _anonymous.Dispose();
    }

    [Fact]
    public async Task CatalogApi_WithoutToken_Returns401WithFixedBodyAndStoresNothing()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var creatorId = NewCreatorId();
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var put = await _anonymous.PutAsync(CatalogUrl(creatorId), Json(ValidCatalog()), cancellationToken);
        using var list = await _anonymous.GetAsync("/admin/v1/creators", cancellationToken);
        using var delete = await _anonymous.DeleteAsync("/admin/v1/creators/" + creatorId, cancellationToken);

        // Assert
        foreach (var response in new[] { put, list, delete })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal(AccessTokenAuthenticationHandler.UnauthorizedBody, await response.Content.ReadAsStringAsync(cancellationToken));
        }

        Assert.Equal(head, await fixture.GetHeadRevisionAsync());
    }

    [Fact]
    public async Task CatalogApi_CreatorToken_ReachesOwnCatalogOnly_OthersAnswerLikeMissing()
    {
        // Arrange: A and B both exist; C never did.
        var cancellationToken = TestContext.Current.CancellationToken;
        var (a, b, c) = (NewCreatorId(), NewCreatorId(), NewCreatorId());
        await PutAsync(_platform, a, ValidCatalog("Hoodie of A"), HttpStatusCode.OK);
        await PutAsync(_platform, b, ValidCatalog("Hoodie of B"), HttpStatusCode.OK);
        using var creatorA = await ClientForAsync("admin-a", a, Scopes.AdminCatalog);
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var own = await creatorA.GetAsync(CatalogUrl(a), cancellationToken);
        using var other = await creatorA.GetAsync(CatalogUrl(b), cancellationToken);
        using var missing = await creatorA.GetAsync(CatalogUrl(c), cancellationToken);
        using var overwrite = await creatorA.PutAsync(CatalogUrl(b), Json(ValidCatalog("A was here")), cancellationToken);
        using var delete = await creatorA.DeleteAsync("/admin/v1/creators/" + b, cancellationToken);
        var listed = await creatorA.GetFromJsonAsync<JsonElement>("/admin/v1/creators", cancellationToken);
        using var stillB = await _platform.GetAsync(CatalogUrl(b), cancellationToken);

        // Assert: B's catalog is untouched and indistinguishable from C, which does not exist.
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(await BodyWithout(missing, c, cancellationToken), await BodyWithout(other, b, cancellationToken));
        Assert.Equal(HttpStatusCode.NotFound, overwrite.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Equal([a], listed.GetProperty("creators").EnumerateArray().Select(static e => e.GetProperty("id").GetString()));
        Assert.Contains("Hoodie of B", await stillB.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
        Assert.Equal(head, await fixture.GetHeadRevisionAsync());
    }

    [Theory]
    [InlineData(Scopes.AdminDrops)]
    [InlineData("admin:catalog:write")]
    [InlineData("ADMIN:CATALOG")]
    [InlineData("admin:catalo")]
    public async Task CatalogApi_TokenWithoutExactCatalogScope_Returns403(string scope)
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var creatorId = NewCreatorId();
        using var client = await ClientForAsync("admin-x", creatorId, scope);

        // Act
        using var response = await client.PutAsync(CatalogUrl(creatorId), Json(ValidCatalog()), cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(AccessTokenAuthenticationHandler.ForbiddenBody, await response.Content.ReadAsStringAsync(cancellationToken));
        Assert.Equal(HttpStatusCode.NotFound, (await _platform.GetAsync(CatalogUrl(creatorId), cancellationToken)).StatusCode);
    }

    [Fact]
    public async Task CatalogApi_EdgeAudienceToken_Returns401()
    {
        // Arrange: the same creator and scope, but minted for edges: the admin API is another audience.
        var cancellationToken = TestContext.Current.CancellationToken;
        var creatorId = NewCreatorId();
        var token = await fixture.MintAsync("admin-a", creatorId, [Scopes.AdminCatalog], Audiences.Edge);
        using var request = new HttpRequestMessage(HttpMethod.Put, CatalogUrl(creatorId)) { Content = Json(ValidCatalog()) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // Act
        using var response = await _anonymous.SendAsync(request, cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/admin/v1/keys")]
    [InlineData("POST", "/admin/v1/keys/rotate")]
    [InlineData("POST", "/admin/v1/keys/some-key/revoke")]
    [InlineData("POST", "/admin/v1/tokens")]
    [InlineData("GET", "/admin/v1/edges")]
    public async Task PlatformEndpoints_CreatorTokenWithEveryScope_Returns403(string method, string path)
    {
        // Arrange: a creator's token even with admin:keys is not a platform operator's.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = await ClientForAsync("admin-a", NewCreatorId(), Scopes.AdminKeys, Scopes.AdminCatalog, Scopes.AdminViewers);
        var keysBefore = await _platform.GetStringAsync("/admin/v1/keys", cancellationToken);
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? Json("""{"subject":"x","scopes":["admin:platform"],"audience":"origin"}""") : null,
        };

        // Act
        using var response = await client.SendAsync(request, cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(AccessTokenAuthenticationHandler.ForbiddenBody, await response.Content.ReadAsStringAsync(cancellationToken));
        Assert.Equal(keysBefore, await _platform.GetStringAsync("/admin/v1/keys", cancellationToken));
    }

    [Fact]
    public async Task ViewerTokens_CreatorSite_MintsShortLivedViewerTokenForItsCreatorOnly()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var (a, b) = (NewCreatorId(), NewCreatorId());
        using var site = await ClientForAsync("site-a", a, Scopes.AdminViewers);
        using var validator = new AccessTokenValidator(Audiences.Edge, fixture.Services.GetRequiredService<SigningKeyRing>(),
            fixture.Services.GetRequiredService<IOptions<AccessTokenOptions>>(), fixture.TimeProvider);

        // Act
        using var minted = await site.PostAsync($"/admin/v1/creators/{a}/viewer-tokens", Json("""{"viewerId":"viewer-42","tier":"gold","ttlSeconds":600}"""), cancellationToken);
        var body = await minted.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var (token, _) = await validator.ValidateAsync(body.GetProperty("token").GetString());
        using var other = await site.PostAsync($"/admin/v1/creators/{b}/viewer-tokens", Json("""{"viewerId":"viewer-42"}"""), cancellationToken);
        using var tooLong = await site.PostAsync($"/admin/v1/creators/{a}/viewer-tokens", Json("""{"viewerId":"viewer-42","ttlSeconds":86400}"""), cancellationToken);
        using var noViewer = await site.PostAsync($"/admin/v1/creators/{a}/viewer-tokens", Json("""{"tier":"gold"}"""), cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        Assert.True(minted.Headers.CacheControl?.NoStore);
        Assert.NotNull(token);
        Assert.Equal(("viewer-42", a, "gold"), (token.Subject, token.CreatorId, token.Tier));
        Assert.Equal([Scopes.DropReserve, Scopes.DropRsvp, Scopes.RecommendationsRead], token.Scopes.Order(StringComparer.Ordinal));
        Assert.Equal(fixture.TimeProvider.GetUtcNow().AddSeconds(600), token.ExpiresAt);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong.StatusCode);
        Assert.True((await tooLong.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("errors").TryGetProperty("ttlSeconds", out _));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noViewer.StatusCode);
        Assert.True((await noViewer.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("errors").TryGetProperty("viewerId", out _));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("viewer")]
    [InlineData("platform")]
    [InlineData("other-edge")]
    [InlineData("edge-audience")]
    public async Task Sync_WithoutThisEdgesSyncToken_IsRefusedAndNothingRegisters(string caller)
    {
        // Arrange: only an edge:sync token for the origin's audience, issued to the hello's edge id, may open the stream.
        var cancellationToken = TestContext.Current.CancellationToken;
        var edgeId = OriginSyncClient.NewId("edge-auth");
        var token = caller switch
        {
            "none" => (string?)null,
            "viewer" => await fixture.MintAsync("viewer-1", "creator-1", [Scopes.RecommendationsRead], Audiences.Edge),
            "platform" => await fixture.MintAsync("platform-operator", null, [Scopes.AdminPlatform, Scopes.AdminKeys], Audiences.Origin),
            "other-edge" => await fixture.MintAsync("edge-someone-else", null, [Scopes.EdgeSync], Audiences.Origin),
            _ => await fixture.MintAsync(edgeId, null, [Scopes.EdgeSync], Audiences.Edge),
        };
        using var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = fixture.Server.CreateHandler() });
        var headers = token is null ? null : new Metadata { { "authorization", "Bearer " + token } };

        // Act
        using var call = new CatalogSync.CatalogSyncClient(channel).Sync(headers, cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new EdgeMessage { Hello = OriginSyncClient.Hello(edgeId) }, cancellationToken);
        }
        catch (RpcException)
        {
            // The origin may refuse the call before the hello is even written; the status says why.
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancellationToken));
        var edges = await _platform.GetStringAsync("/admin/v1/edges", cancellationToken);

        // Assert
        var expected = caller is "none" or "viewer" or "edge-audience" ? StatusCode.Unauthenticated : StatusCode.PermissionDenied;
        Assert.Equal(expected, error.StatusCode);
        Assert.DoesNotContain(edgeId, edges, StringComparison.Ordinal);
    }

    private async Task<HttpClient> ClientForAsync(string subject, string creatorId, params string[] scopes)
    {
        var client = fixture.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await fixture.MintAsync(subject, creatorId, scopes, Audiences.Origin));
        return client;
    }

    private static async Task PutAsync(HttpClient client, string creatorId, string catalog, HttpStatusCode expected)
    {
        using var response = await client.PutAsync(CatalogUrl(creatorId), Json(catalog), TestContext.Current.CancellationToken);
        Assert.Equal(expected, response.StatusCode);
    }

    /// <summary>
    /// The body without what two "not found" answers may differ in: the creator id the request
    /// named, and the per-request trace id.
    /// </summary>
    private static async Task<string> BodyWithout(HttpResponseMessage response, string creatorId, CancellationToken cancellationToken)
    {
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
        body.Remove("traceId");
        return body.ToJsonString().Replace(creatorId, "{id}", StringComparison.Ordinal);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string NewCreatorId() => "creator-" + Guid.NewGuid().ToString("N")[..12];

    private static string CatalogUrl(string creatorId) => $"/admin/v1/creators/{creatorId}/catalog";
}
