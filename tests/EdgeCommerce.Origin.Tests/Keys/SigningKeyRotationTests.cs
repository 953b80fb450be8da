using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.Tests.Common;
using Grpc.Core;
using static EdgeCommerce.Origin.Tests.CatalogAdmin.CatalogSamples;
using static EdgeCommerce.Origin.Tests.Sync.OriginSyncClient;

namespace EdgeCommerce.Origin.Tests.Keys;

/// <summary>
/// Make-before-break rotation in memory: a new key signs once every connected edge acknowledged the
/// key set that published it (the clock never reaches the publish lead here), and keeps signing.
/// </summary>
public sealed class SigningKeyRotationTests : OriginHostPerTest
{
    /// <summary>
    /// Would catch signing that moves before the edges hold the new key, and signing that moves back
    /// to the old key when an edge connects later from an older revision (the tokens already signed
    /// with the new key stay out, and the late edge gets the key set first anyway).
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task Rotate_SigningMovesOnceTheConnectedEdgeAcknowledged_AndStaysWhenAnotherEdgeConnectsBehind()
    {
        // Arrange: an edge following the stream, caught up.
        var cancellationToken = TestContext.Current.CancellationToken;
        var head = await Client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken);
        using var caughtUp = await Client.SyncAsync(Hello(NewId("edge"), head, Origin.Store.ClusterId), cancellationToken);
        var before = await Origin.GetHeadRevisionAsync();
        await AckThroughAsync(caughtUp, head, before, cancellationToken);
        var oldKey = await SigningKeyAsync(cancellationToken);

        // Act
        string rotatedKey;
        using (var rotated = await Client.Admin.PostAsync("/admin/v1/keys/rotate", null, cancellationToken))
        {
            rotated.EnsureSuccessStatusCode();
            rotatedKey = (await rotated.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("keyId").GetString()!;
        }

        var published = await Origin.GetHeadRevisionAsync();
        var signingBeforeTheAck = await SigningKeyAsync(cancellationToken);
        await AckThroughAsync(caughtUp, before, published, cancellationToken);
        string? newKey = null;
        await Poll.UntilAsync(async () =>
        {
            // The origin reads the edges for a waiting key at most once per interval of its clock.
            Origin.TimeProvider.Advance(SigningKeyManager.EdgesWalkInterval);
            return (newKey = await SigningKeyAsync(cancellationToken)) != oldKey;
        },
            "signing moved to the new key", () => $"signing {newKey}", TimeSpan.FromMilliseconds(20), cancellationToken, TimeSpan.FromSeconds(20));
        var movedAt = Origin.TimeProvider.GetUtcNow();
        using var behind = await Client.SyncAsync(Hello(NewId("edge"), before, Origin.Store.ClusterId), cancellationToken);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, (await NextAsync(behind, cancellationToken)).KindCase);
        var signingWithAnEdgeBehind = await SigningKeyAsync(cancellationToken);

        var signingFrom = (await Client.Admin.GetFromJsonAsync<JsonElement>("/admin/v1/keys", cancellationToken)).GetProperty("keys").EnumerateArray()
            .Single(k => k.GetProperty("keyId").GetString() == rotatedKey).GetProperty("signingFrom").GetDateTimeOffset();

        // Assert: moved by the acknowledgement, well before the publish lead would have moved it.
        Assert.Equal(oldKey, signingBeforeTheAck);
        Assert.Equal(rotatedKey, newKey);
        Assert.True(movedAt < signingFrom, $"signing moved at {movedAt:O}, not before the publish lead ended at {signingFrom:O}");
        Assert.Equal(newKey, signingWithAnEdgeBehind);
        Assert.Empty(Origin.ErrorLogs);
    }

    /// <summary>
    /// Acknowledges <paramref name="from"/> (the hello's revision: the origin shows a new stream's
    /// edge as holding nothing until it acknowledges), then each batch until <paramref name="revision"/>.
    /// </summary>
    private static async Task AckThroughAsync(AsyncDuplexStreamingCall<EdgeMessage, WatchResponse> call, long from, long revision, CancellationToken cancellationToken)
    {
        await AckAsync(call, from, cancellationToken);
        for (var applied = from; applied < revision;)
        {
            var message = await NextAsync(call, cancellationToken);
            if (message.KindCase == WatchResponse.KindOneofCase.Changes)
            {
                applied = message.Changes.Revision;
                await AckAsync(call, applied, cancellationToken);
            }
        }
    }

    private async Task<string?> SigningKeyAsync(CancellationToken cancellationToken)
        => (await Client.Admin.GetFromJsonAsync<JsonElement>("/admin/v1/keys", cancellationToken))
            .GetProperty("keys").EnumerateArray().SingleOrDefault(static k => k.GetProperty("signing").GetBoolean()) is { ValueKind: JsonValueKind.Object } signing
            ? signing.GetProperty("keyId").GetString()
            : null;
}
