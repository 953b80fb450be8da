using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Sync;

/// <summary>
/// The relay tier over real processes: an origin, a relay edge (<c>Relay:Enabled</c>) and two
/// edges that sync from the relay (falling back to the origin) while their inventory calls go to
/// the origin.
/// </summary>
public sealed class RelayTests
{
    [Fact]
    public async Task EdgesBehindARelay_GetChangesThroughIt_AndMoveToTheOriginWhenItIsKilled_WithoutLosingOrRepeatingARevision()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        var first = await origin.PushCatalogAsync("relay-creator", OriginNode.SimpleCatalog("Before the relay"), cancellationToken);
        var relayPort = FreePort.Next();
        var relayAddress = new Uri($"http://127.0.0.1:{relayPort}");
        await using var relay = await origin.StartEdgeAsync("relay-a", "eu-west", data.Combine("relay-a"), cancellationToken, via: null,
            "--Relay:Enabled=true", $"--Kestrel:Endpoints:Relay:Url=http://127.0.0.1:{relayPort}", "--Kestrel:Endpoints:Relay:Protocols=Http2");
        await relay.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= first, TimeSpan.FromSeconds(30), "the relay's snapshot", cancellationToken);
        string[] behindRelay = [$"--Sync:OriginAddresses:0={origin.GrpcAddress}", $"--Sync:InventoryAddress={origin.GrpcAddress}"];
        await using var edge1 = await origin.StartEdgeAsync("edge-r1", "eu-west", data.Combine("edge-r1"), cancellationToken, relayAddress, behindRelay);
        await using var edge2 = await origin.StartEdgeAsync("edge-r2", "eu-west", data.Combine("edge-r2"), cancellationToken, relayAddress, behindRelay);
        EdgeNode[] edges = [edge1, edge2];
        var snapshotAt = new Dictionary<string, long>();
        foreach (var edge in edges)
        {
            var status = await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= first, TimeSpan.FromSeconds(30), "the snapshot from the relay", cancellationToken);
            Assert.Equal(relayAddress.ToString(), status.GetProperty("originAddress").GetString());
            snapshotAt[edge.Id] = status.GetProperty("appliedRevision").GetInt64();
        }

        // Act: a catalog change and a key rotation while the edges follow the relay.
        using (var rotated = await origin.Http.PostAsync("/admin/v1/keys/rotate", null, cancellationToken))
        {
            rotated.EnsureSuccessStatusCode();
        }

        var second = await origin.PushCatalogAsync("relay-creator", OriginNode.SimpleCatalog("Through the relay"), cancellationToken);

        // Assert: they arrive through the relay.
        foreach (var edge in edges)
        {
            var status = await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == second, TimeSpan.FromSeconds(30), "the change through the relay", cancellationToken);
            Assert.Equal(relayAddress.ToString(), status.GetProperty("originAddress").GetString());
            await AssertWidgetAsync(edge, "Through the relay", cancellationToken);
        }

        // Assert: the origin's registry shows every edge, the two below the relay with via and
        // the revision they acknowledged to it (forwarded by the relay, never above its own).
        var registry = await WaitForRegistryAsync(origin, edges => Via(edges, "edge-r1") == "relay-a" && Via(edges, "edge-r2") == "relay-a"
            && Applied(edges, "edge-r1") == second && Applied(edges, "edge-r2") == second && Applied(edges, "relay-a") == second, cancellationToken);
        Assert.Null(Via(registry, "relay-a"));

        // Act: the operator revokes edge-r2; the relay ends its stream as the origin would, and the
        // origin refuses it too when it falls back there.
        using (var revoked = await origin.Http.PostAsync("/admin/v1/edges/edge-r2/revoke", null, cancellationToken))
        {
            revoked.EnsureSuccessStatusCode();
        }

        await edge2.WaitForStatusAsync(static s => !s.GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(30), "the revoked edge cut off", cancellationToken);

        // Act: the relay dies (kill -9) and the origin writes on.
        await relay.KillAsync();
        var third = await origin.PushCatalogAsync("relay-creator", OriginNode.SimpleCatalog("After the relay"), cancellationToken);

        // Assert: edge-r1 moved to the origin and resumed from its revision: still one snapshot
        // (the relay's), and exactly the changes after it, none lost, none applied twice.
        foreach (var edge in new[] { edge1 })
        {
            var status = await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == third, TimeSpan.FromSeconds(60), "the failover to the origin", cancellationToken);
            Assert.Equal(origin.GrpcAddress.ToString(), status.GetProperty("originAddress").GetString());
            Assert.Equal(1, status.GetProperty("snapshotsReceived").GetInt64());
            Assert.Equal(third - snapshotAt[edge.Id], status.GetProperty("changesApplied").GetInt64());
            await AssertWidgetAsync(edge, "After the relay", cancellationToken);
        }

        registry = await WaitForRegistryAsync(origin, edges => Applied(edges, "edge-r1") == third && Via(edges, "edge-r1") is null, cancellationToken);
        var revokedEdge = await edge2.GetStatusAsync(cancellationToken);
        Assert.True(revokedEdge.GetProperty("appliedRevision").GetInt64() < third);
        Assert.True(Find(registry, "edge-r2").GetProperty("revoked").GetBoolean());
    }

    private static async Task<JsonElement> WaitForRegistryAsync(OriginNode origin, Func<JsonElement, bool> condition, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement edges;
        do
        {
            edges = (await origin.Http.GetFromJsonAsync<JsonElement>("/admin/v1/edges", cancellationToken)).GetProperty("edges");
            if (condition(edges))
            {
                return edges;
            }

            await Task.Delay(200, cancellationToken);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail("The origin's registry never showed the expected edges: " + edges);
        return edges;
    }

    private static JsonElement Find(JsonElement edges, string id)
        => edges.EnumerateArray().FirstOrDefault(edge => edge.GetProperty("id").GetString() == id);

    private static string? Via(JsonElement edges, string id)
        => Find(edges, id) is { ValueKind: JsonValueKind.Object } edge && edge.TryGetProperty("via", out var via) ? via.GetString() : null;

    private static long Applied(JsonElement edges, string id)
        => Find(edges, id) is { ValueKind: JsonValueKind.Object } edge ? edge.GetProperty("appliedRevision").GetInt64() : -1;

    private static async Task AssertWidgetAsync(EdgeNode edge, string title, CancellationToken cancellationToken)
    {
        using var widget = await edge.Http.GetAsync("/v1/creators/relay-creator/widget", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, widget.StatusCode);
        Assert.Contains(title, await widget.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
    }
}
