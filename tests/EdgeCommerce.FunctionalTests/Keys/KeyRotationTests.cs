using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Keys;

/// <summary>Keys rotate without downtime and revoke at once, over real processes: origin mints, edges validate with the keys the stream delivered.</summary>
public sealed class KeyRotationTests
{
    /// <summary>
    /// A client keeps sending requests to an edge with tokens minted before, during and after two
    /// rotations. Catches: signing with a key the edge has not received yet (break-before-make),
    /// and retiring a key while tokens it signed are still valid.
    /// </summary>
    [Fact]
    public async Task Rotate_WhileClientsSendTokensFromBeforeAndAfter_NoValidTokenRejected()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken, "--Keys:PublishLead=00:00:01");
        await using var edge = await EdgeNode.StartAsync("edge-keys", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-keys", cancellationToken), data.Combine("edge"), cancellationToken,
            // The clients send as fast as they can, as one creator: this test is about keys, not about rate limits.
            "--RateLimits:ViewerBurst=1000000", "--RateLimits:ViewerPerSecond=1000000", "--RateLimits:CreatorBurst=10000000", "--RateLimits:CreatorPerSecond=10000000");
        await edge.WaitForStatusAsync(static s => s.GetProperty("ready").GetBoolean(), TimeSpan.FromSeconds(30), "first snapshot", cancellationToken);
        var tokens = new List<string> { await MintAsync(origin, cancellationToken) };
        await WaitUntilAcceptedAsync(edge, tokens[0], cancellationToken);

        // Act: keep minting and using every token minted so far while the keys rotate twice.
        var rejections = new List<string>();
        var requests = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var client = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                tokens.Add(await MintAsync(origin, CancellationToken.None));
                foreach (var token in tokens.TakeLast(20))
                {
                    var status = await MeAsync(edge, token, CancellationToken.None);
                    requests++;
                    if (status != HttpStatusCode.OK)
                    {
                        rejections.Add($"{(int)status} for token #{tokens.IndexOf(token)}");
                    }
                }
            }
        }, CancellationToken.None);
        for (var rotation = 0; rotation < 2; rotation++)
        {
            await Task.Delay(500, cancellationToken);
            using var rotated = await origin.Http.PostAsync("/admin/v1/keys/rotate", null, cancellationToken);
            rotated.EnsureSuccessStatusCode();
            await Task.Delay(1500, cancellationToken);
        }

        await stop.CancelAsync();
        await client;

        // Assert
        Assert.Empty(rejections);
        Assert.True(requests > 50, $"only {requests} requests were made");
        var keys = await origin.Http.GetFromJsonAsync<JsonElement>("/admin/v1/keys", cancellationToken);
        Assert.Equal(3, keys.GetProperty("keys").GetArrayLength());
        foreach (var token in tokens)
        {
            Assert.Equal(HttpStatusCode.OK, await MeAsync(edge, token, cancellationToken));
        }
    }

    /// <summary>
    /// Revoking the signing key makes every token it signed fail on the edge as soon as the edge
    /// applies the change, cached validations included. Catches a validation cache that outlives
    /// its key. The bound stated: one sync propagation (milliseconds on loopback); the test only
    /// waits for it, with a generous timeout, and reports how long it took.
    /// </summary>
    [Fact]
    public async Task Revoke_SigningKey_TokensRefusedWithinOnePropagation()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var edge = await EdgeNode.StartAsync("edge-revoke", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-revoke", cancellationToken), data.Combine("edge"), cancellationToken);
        await edge.WaitForStatusAsync(static s => s.GetProperty("ready").GetBoolean(), TimeSpan.FromSeconds(30), "first snapshot", cancellationToken);
        var token = await MintAsync(origin, cancellationToken);
        await WaitUntilAcceptedAsync(edge, token, cancellationToken);
        var keyId = (await origin.Http.GetFromJsonAsync<JsonElement>("/admin/v1/keys", cancellationToken))
            .GetProperty("keys").EnumerateArray().Single(static k => k.GetProperty("signing").GetBoolean()).GetProperty("keyId").GetString();

        // Act
        var clock = Stopwatch.StartNew();
        using (var revoked = await origin.Http.PostAsync($"/admin/v1/keys/{keyId}/revoke", null, cancellationToken))
        {
            revoked.EnsureSuccessStatusCode();
        }

        var status = HttpStatusCode.OK;
        while (status == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            status = await MeAsync(edge, token, cancellationToken);
        }

        // Assert: refused, and a token from the replacement key works. The revoked key took the
        // operator's own token with it; the origin rewrote admin.token with the new key.
        TestContext.Current.TestOutputHelper?.WriteLine($"Revocation took effect on the edge after {clock.Elapsed.TotalMilliseconds:0} ms.");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        await origin.RefreshAdminTokenAsync(cancellationToken);
        var fresh = await MintAsync(origin, cancellationToken);
        await WaitUntilAcceptedAsync(edge, fresh, cancellationToken);

        // The edge's own sync token died with the key as well: its stream ended after the new key
        // set (the origin renews nothing a revoked key signed), and it cannot come back with it.
        // The operator gives it a new token the way the runbook says: minted, written over its
        // Sync:TokenPath (read at every connect), no restart.
        var stuck = await origin.PushCatalogAsync("after-revocation", OriginNode.SimpleCatalog("after the revocation"), cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        Assert.True((await edge.GetStatusAsync(cancellationToken)).GetProperty("appliedRevision").GetInt64() < stuck, "the edge synced with a token its revoked key signed");
        await File.WriteAllTextAsync(edge.DataDirectory + ".sync.token", await origin.MintSyncTokenAsync("edge-revoke", cancellationToken), cancellationToken);
        await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= stuck, TimeSpan.FromSeconds(30), "sync with the operator's new token", cancellationToken);
    }

    private static async Task<string> MintAsync(OriginNode origin, CancellationToken cancellationToken)
    {
        using var response = await origin.Http.PostAsJsonAsync("/admin/v1/tokens",
            new { subject = "viewer-1", creatorId = "keys-creator", scopes = new[] { "recs:read" }, ttlSeconds = 600 }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
    }

    private static async Task<HttpStatusCode> MeAsync(EdgeNode edge, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await edge.Http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    /// <summary>A token minted with a just-created key is valid once the edge applied the key's revision.</summary>
    private static async Task WaitUntilAcceptedAsync(EdgeNode edge, string token, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (await MeAsync(edge, token, cancellationToken) != HttpStatusCode.OK)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the edge never accepted a freshly minted token\n" + edge.Output);
            await Task.Delay(20, cancellationToken);
        }
    }
}
