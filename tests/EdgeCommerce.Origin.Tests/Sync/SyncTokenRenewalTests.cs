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
/// The origin renews an edge's sync token over its stream, so an edge never loses its way back:
/// these would catch an edge stranded after its token expired or after its key was revoked. Each
/// test has its own host: they revoke keys and move the clock.
/// </summary>
public sealed class SyncTokenRenewalTests
{
    [Fact(Timeout = 30_000)]
    public async Task Sync_TokenPastHalfTheLongestLifetime_RenewedAfterTheFirstHeartbeat_AndTheNewOneOpensStreams()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = new OriginApiFixture();
        await origin.InitializeAsync();
        using var client = new OriginSyncClient(origin);
        var edgeId = NewId("edge");
        var head = await client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken);

        // Act: a one-hour token is already past half of the 24-hour maximum.
        using var call = await client.SyncAsync(Hello(edgeId, head, origin.Store.ClusterId), cancellationToken, tokenLifetime: TimeSpan.FromHours(1));
        var heartbeat = await NextAsync(call, cancellationToken);
        var renewal = await NextAsync(call, cancellationToken);
        var (renewed, _) = await Validator(origin).ValidateAsync(renewal.TokenRenewal.Token);
        using var second = client.Grpc.Sync(Bearer(renewal.TokenRenewal.Token), cancellationToken: cancellationToken);
        await second.RequestStream.WriteAsync(new EdgeMessage { Hello = Hello(edgeId, head, origin.Store.ClusterId) }, cancellationToken);
        var secondHeartbeat = await NextAsync(second, cancellationToken);

        // Assert
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, heartbeat.KindCase);
        Assert.Equal(WatchResponse.KindOneofCase.TokenRenewal, renewal.KindCase);
        Assert.NotNull(renewed);
        Assert.Equal(edgeId, renewed.Subject);
        Assert.Null(renewed.CreatorId);
        Assert.Equal([Scopes.EdgeSync], renewed.Scopes);
        Assert.Equal(origin.TimeProvider.GetUtcNow().AddHours(24).ToUnixTimeSeconds(), renewal.TokenRenewal.ExpiresAtUnix);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, secondHeartbeat.KindCase);
        Assert.Empty(origin.ErrorLogs);
    }

    [Fact(Timeout = 30_000)]
    public async Task Sync_SigningKeyRevoked_RenewedWithTheNewKeyAtTheNextHeartbeat_OldTokenRefused()
    {
        // Arrange: a fresh 24-hour token is not renewed until its key stops signing.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = new OriginApiFixture();
        await origin.InitializeAsync();
        using var client = new OriginSyncClient(origin);
        var edgeId = NewId("edge");
        var head = await client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken);
        var presented = await origin.MintAsync(edgeId, null, [Scopes.EdgeSync], Audiences.Origin, lifetime: TimeSpan.FromHours(24));
        using var call = client.Grpc.Sync(Bearer(presented), cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new EdgeMessage { Hello = Hello(edgeId, head, origin.Store.ClusterId) }, cancellationToken);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, (await NextAsync(call, cancellationToken)).KindCase);
        var keys = await client.Admin.GetFromJsonAsync<JsonElement>("/admin/v1/keys", cancellationToken);
        var signing = keys.GetProperty("keys").EnumerateArray().Single(static k => k.GetProperty("signing").GetBoolean()).GetProperty("keyId").GetString();

        // Act: revoke the key (a change on the stream), then let a heartbeat come due.
        using (var revoked = await client.Admin.PostAsync($"/admin/v1/keys/{signing}/revoke", null, cancellationToken))
        {
            revoked.EnsureSuccessStatusCode();
        }

        // The heartbeat timer belongs to the session, which may start waiting only after the client
        // saw the change: keep moving the fake clock while nothing arrives, instead of once.
        var seen = new List<WatchResponse.KindOneofCase>();
        WatchResponse message;
        do
        {
            var next = call.ResponseStream.MoveNext(cancellationToken);
            while (!next.IsCompleted)
            {
                if (seen.Count > 0)
                {
                    origin.TimeProvider.Advance(OriginApiFixture.HeartbeatInterval);
                }

                await Task.WhenAny(next, Task.Delay(50, cancellationToken));
            }

            Assert.True(await next, "The sync stream ended.");
            message = call.ResponseStream.Current;
            seen.Add(message.KindCase);
        }
        while (message.KindCase != WatchResponse.KindOneofCase.TokenRenewal && seen.Count < 20);

        var (renewed, _) = await Validator(origin).ValidateAsync(message.TokenRenewal.Token);
        var (old, _) = await Validator(origin).ValidateAsync(presented);

        // Assert: the change (the key set) first, then heartbeats, and the renewal right after one.
        Assert.Equal(WatchResponse.KindOneofCase.Changes, seen[0]);
        Assert.Equal(WatchResponse.KindOneofCase.TokenRenewal, seen[^1]);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, seen[^2]);
        Assert.All(seen.Skip(1).SkipLast(1), static kind => Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, kind));
        Assert.NotNull(renewed);
        Assert.NotEqual(signing, renewed.KeyId);
        Assert.Equal(edgeId, renewed.Subject);
        Assert.Null(old);
        Assert.Empty(origin.ErrorLogs);
    }

    private static AccessTokenValidator Validator(OriginApiFixture origin) => origin.Services.GetRequiredService<AccessTokenValidator>();

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };
}
