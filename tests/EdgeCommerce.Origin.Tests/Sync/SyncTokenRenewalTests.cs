using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EdgeCommerce.Origin.Tests.CatalogAdmin.CatalogSamples;
using static EdgeCommerce.Origin.Tests.Sync.OriginSyncClient;

namespace EdgeCommerce.Origin.Tests.Sync;

/// <summary>
/// The origin renews an edge's sync token over its stream, so an edge never loses its way back,
/// but only while the token the stream was opened with is good: these would catch an edge stranded
/// after its token expired, and a stolen token kept alive forever (renewed after its key was
/// revoked, or its stream left open past its expiry). Each test has its own host (one per test class instance): they revoke keys
/// and move the clock.
/// </summary>
public sealed class SyncTokenRenewalTests : OriginHostPerTest
{
    [Fact(Timeout = 30_000)]
    public async Task Sync_TokenPastHalfTheLongestLifetime_RenewedAfterTheFirstHeartbeat_AndTheNewOneOpensStreams()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var edgeId = NewId("edge");
        var head = await Client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken);

        // Act: a one-hour token is already past half of the 24-hour maximum.
        using var call = await Client.SyncAsync(Hello(edgeId, head, Origin.Store.ClusterId), cancellationToken, tokenLifetime: TimeSpan.FromHours(1));
        var heartbeat = await NextAsync(call, cancellationToken);
        var renewal = await NextAsync(call, cancellationToken);
        var (renewed, _) = await Validator.ValidateAsync(renewal.TokenRenewal.Token);
        using var second = Client.Grpc.Sync(Bearer(renewal.TokenRenewal.Token), cancellationToken: cancellationToken);
        await second.RequestStream.WriteAsync(new EdgeMessage { Hello = Hello(edgeId, head, Origin.Store.ClusterId) }, cancellationToken);
        var secondHeartbeat = await NextAsync(second, cancellationToken);

        // Assert
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, heartbeat.KindCase);
        Assert.Equal(WatchResponse.KindOneofCase.TokenRenewal, renewal.KindCase);
        Assert.NotNull(renewed);
        Assert.Equal(edgeId, renewed.Subject);
        Assert.Null(renewed.CreatorId);
        Assert.Equal([Scopes.EdgeSync], renewed.Scopes);
        Assert.Equal(Origin.TimeProvider.GetUtcNow().AddHours(24).ToUnixTimeSeconds(), renewal.TokenRenewal.ExpiresAtUnix);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, secondHeartbeat.KindCase);
        Assert.Empty(Origin.ErrorLogs);
    }

    [Fact(Timeout = 30_000)]
    public async Task Sync_SigningKeyRevoked_StreamEndsUnauthenticatedRightAfterTheKeySet_NeverRenewed()
    {
        // Arrange: a fresh 24-hour token, on a stream that would renew it once its key stopped signing.
        var cancellationToken = TestContext.Current.CancellationToken;
        var edgeId = NewId("edge");
        var head = await Client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken);
        var presented = await Origin.MintAsync(edgeId, null, [Scopes.EdgeSync], Audiences.Origin, lifetime: TimeSpan.FromHours(24));
        using var call = Client.Grpc.Sync(Bearer(presented), cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new EdgeMessage { Hello = Hello(edgeId, head, Origin.Store.ClusterId) }, cancellationToken);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, (await NextAsync(call, cancellationToken)).KindCase);
        var keys = await Client.Admin.GetFromJsonAsync<JsonElement>("/admin/v1/keys", cancellationToken);
        var signing = keys.GetProperty("keys").EnumerateArray().Single(static k => k.GetProperty("signing").GetBoolean()).GetProperty("keyId").GetString();

        // Act: revoke the key (a change on the stream); heartbeats would come due as the clock moves.
        using (var revoked = await Client.Admin.PostAsync($"/admin/v1/keys/{signing}/revoke", null, cancellationToken))
        {
            revoked.EnsureSuccessStatusCode();
        }

        var seen = new List<WatchResponse.KindOneofCase>();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (seen.Count < 20)
            {
                var next = call.ResponseStream.MoveNext(cancellationToken);
                while (!next.IsCompleted)
                {
                    Origin.TimeProvider.Advance(OriginApiFixture.HeartbeatInterval);
                    await Task.WhenAny(next, Task.Delay(50, cancellationToken));
                }

                Assert.True(await next, "The sync stream ended without a status.");
                seen.Add(call.ResponseStream.Current.KindCase);
            }
        });
        var (old, _) = await Validator.ValidateAsync(presented);

        // Assert: the key set went out (so the edge can check a new token), then the stream ended;
        // a token signed by a revoked key bought no fresh one. A heartbeat may come first: the clock
        // is moved while the session has not yet read the revocation.
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal([WatchResponse.KindOneofCase.Changes], seen.Where(static kind => kind != WatchResponse.KindOneofCase.Heartbeat));
        Assert.Null(old);
        Assert.Empty(Origin.ErrorLogs);
    }

    [Fact(Timeout = 30_000)]
    public async Task Sync_PresentedTokenExpires_StreamEndsUnauthenticated_AfterTheRenewalSentEarlier()
    {
        // Arrange: a one-hour token is past half of the longest lifetime: renewed at once.
        var cancellationToken = TestContext.Current.CancellationToken;
        var edgeId = NewId("edge");
        var head = await Client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken);
        using var call = await Client.SyncAsync(Hello(edgeId, head, Origin.Store.ClusterId), cancellationToken, tokenLifetime: TimeSpan.FromHours(1));
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, (await NextAsync(call, cancellationToken)).KindCase);
        var renewal = await NextAsync(call, cancellationToken);

        // Act: the clock passes the presented token's expiry; the next heartbeat is due.
        Origin.TimeProvider.Advance(TimeSpan.FromHours(1));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            var next = call.ResponseStream.MoveNext(cancellationToken);
            while (!next.IsCompleted)
            {
                Origin.TimeProvider.Advance(OriginApiFixture.HeartbeatInterval);
                await Task.WhenAny(next, Task.Delay(50, cancellationToken));
            }

            Assert.False(await next, "The stream went on after its token expired: " + call.ResponseStream.Current.KindCase);
        });
        using var second = Client.Grpc.Sync(Bearer(renewal.TokenRenewal.Token), cancellationToken: cancellationToken);
        await second.RequestStream.WriteAsync(new EdgeMessage { Hello = Hello(edgeId, head, Origin.Store.ClusterId) }, cancellationToken);
        var secondHeartbeat = await NextAsync(second, cancellationToken);

        // Assert
        Assert.Equal(WatchResponse.KindOneofCase.TokenRenewal, renewal.KindCase);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, secondHeartbeat.KindCase);
        Assert.Empty(Origin.ErrorLogs);
    }

    private AccessTokenValidator Validator => Origin.Services.GetRequiredService<AccessTokenValidator>();

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };
}
