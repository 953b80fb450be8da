using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using Grpc.Core;
using static EdgeCommerce.Origin.Tests.CatalogAdmin.CatalogSamples;
using static EdgeCommerce.Origin.Tests.Sync.OriginSyncClient;

namespace EdgeCommerce.Origin.Tests.Edges;

/// <summary>
/// Revoking one edge (<c>POST /admin/v1/edges/{id}/revoke</c>, platform operators only): its open
/// stream ends with PERMISSION_DENIED at once, nearest routing stops offering it, a later hello is
/// refused until <c>/allow</c>. (DropInventory refusals: DropInventoryEdgeBindingTests.)
/// </summary>
public sealed class EdgeRevocationTests(OriginApiFixture fixture) : IClassFixture<OriginApiFixture>, IDisposable
{
    private readonly Sync.OriginSyncClient _client = new(fixture);

    public void Dispose()
    {
        _client.Dispose();
        Assert.Empty(fixture.ErrorLogs);
    }

    [Fact(Timeout = 30_000)]
    public async Task Revoke_ConnectedHealthyEdge_StreamEndsPermissionDenied_NearestDropsIt_HelloRefusedUntilAllowed()
    {
        // Arrange: a healthy edge, offered by nearest.
        var cancellationToken = TestContext.Current.CancellationToken;
        var edgeId = NewId("edge");
        var url = $"https://{edgeId}.example.com";
        var head = await _client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken);
        using var call = await _client.SyncAsync(Hello(edgeId, head, fixture.Store.ClusterId), cancellationToken);
        await NextAsync(call, cancellationToken);
        await AckAsync(call, head, cancellationToken);
        await _client.WaitForEdgeAsync(edgeId, static e => e.GetProperty("healthy").GetBoolean(), cancellationToken);
        var offeredBefore = await NearestUrlsAsync(cancellationToken);

        // Act
        using var revoke = await _client.Admin.PostAsync($"/admin/v1/edges/{edgeId}/revoke", null, cancellationToken);
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
            }
        });
        var listed = (await _client.GetEdgeAsync(edgeId, cancellationToken))!.Value;
        var offeredAfter = await NearestUrlsAsync(cancellationToken);
        using var refused = await _client.SyncAsync(Hello(edgeId, head, fixture.Store.ClusterId), cancellationToken);
        var helloError = await Assert.ThrowsAsync<RpcException>(() => refused.ResponseStream.MoveNext(cancellationToken));
        using var allow = await _client.Admin.PostAsync($"/admin/v1/edges/{edgeId}/allow", null, cancellationToken);
        using var back = await _client.SyncAsync(Hello(edgeId, head, fixture.Store.ClusterId), cancellationToken);
        var backFirst = await NextAsync(back, cancellationToken);

        // Assert
        Assert.Contains(url, offeredBefore);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, ended.StatusCode);
        Assert.True(listed.GetProperty("revoked").GetBoolean());
        Assert.False(listed.GetProperty("healthy").GetBoolean());
        Assert.DoesNotContain(url, offeredAfter);
        Assert.Equal(StatusCode.PermissionDenied, helloError.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allow.StatusCode);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, backFirst.KindCase);
    }

    [Fact(Timeout = 30_000)]
    public async Task RevokeAndAllow_UnknownEdgeOrNoOperator_404ProblemDetailsOr401()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var anonymous = fixture.CreateAnonymousClient();

        // Act
        using var unknown = await _client.Admin.PostAsync("/admin/v1/edges/never-seen/revoke", null, cancellationToken);
        using var unknownAllow = await _client.Admin.PostAsync("/admin/v1/edges/never-seen/allow", null, cancellationToken);
        using var noToken = await anonymous.PostAsync("/admin/v1/edges/never-seen/revoke", null, cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknownAllow.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
    }

    private async Task<List<string>> NearestUrlsAsync(CancellationToken cancellationToken)
    {
        var body = await _client.Admin.GetFromJsonAsync<JsonElement>("/v1/edges/nearest", cancellationToken);
        return body.GetProperty("edges").EnumerateArray().Select(static e => e.GetProperty("url").GetString()!).ToList();
    }
}
