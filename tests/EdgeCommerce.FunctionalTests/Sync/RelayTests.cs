using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Hosting.Processes;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Sync;

/// <summary>
/// The relay tier over real processes: an origin, two relay edges (<c>Relay:Enabled</c>) and four
/// edges, two behind each relay, each falling back to the other relay and then the origin, with
/// their inventory calls going to the origin. One test (six edge processes are the expensive part):
/// every kind of change reaches all four, tokens renew and revocations bite through the relays,
/// a killed relay's edges move and come back, and no revision is lost or applied twice. Another
/// freezes a relay instead (SIGSTOP): its edge's returns to it give up after the return timeout.
/// </summary>
public sealed class RelayTests
{
    private const string Creator = "relay-creator";
    private const string ShopCreator = "creator-a";
    private const string DropId = "relay-drop";
    private const int MaxStreamsPerConnection = 250;

    [Fact]
    public async Task TwoRelaysFourEdges_EveryChangeReachesAll_RevocationsBite_AndAKilledRelaysEdgesMoveAndReturn_WithoutLosingOrRepeatingARevision()
    {
        // Arrange: the origin (given an HTTP/2 stream limit, which Kestrel must advertise), two relays, four edges.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken,
            "--Keys:PublishLead=00:00:01", $"--Kestrel:Limits:Http2:MaxStreamsPerConnection={MaxStreamsPerConnection}");
        Assert.Equal(MaxStreamsPerConnection, await AdvertisedMaxConcurrentStreamsAsync(origin.GrpcPort, cancellationToken));
        await origin.PushCatalogAsync(ShopCreator, ShopCatalog(), cancellationToken);
        var first = await origin.PushCatalogAsync(Creator, OriginNode.SimpleCatalog("Before the relays"), cancellationToken);
        var relays = await Task.WhenAll(StartRelayAsync(origin, "relay-a", data, cancellationToken), StartRelayAsync(origin, "relay-b", data, cancellationToken));
        var (relayA, relayAAddress) = relays[0];
        var (relayB, relayBAddress) = relays[1];
        await using var relayANode = relayA;
        await using var relayBNode = relayB;
        foreach (var relay in new[] { relayA, relayB })
        {
            await relay.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= first, TimeSpan.FromSeconds(30), "the relay's snapshot", cancellationToken);
        }

        var edges = await Task.WhenAll(
            StartBehindAsync(origin, "edge-a1", relayAAddress, relayBAddress, data, cancellationToken),
            StartBehindAsync(origin, "edge-a2", relayAAddress, relayBAddress, data, cancellationToken),
            StartBehindAsync(origin, "edge-b1", relayBAddress, relayAAddress, data, cancellationToken),
            StartBehindAsync(origin, "edge-b2", relayBAddress, relayAAddress, data, cancellationToken));
        await using var edgeA1 = edges[0];
        await using var edgeA2 = edges[1];
        await using var edgeB1 = edges[2];
        await using var edgeB2 = edges[3];
        var preferred = new Dictionary<string, Uri> { ["edge-a1"] = relayAAddress, ["edge-a2"] = relayAAddress, ["edge-b1"] = relayBAddress, ["edge-b2"] = relayBAddress };
        var snapshotAt = new Dictionary<string, long>();
        var provisioned = new Dictionary<string, string>();
        foreach (var edge in edges)
        {
            var status = await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= first, TimeSpan.FromSeconds(30), "the snapshot from its relay", cancellationToken);
            Assert.Equal(preferred[edge.Id].ToString(), status.GetProperty("originAddress").GetString());
            snapshotAt[edge.Id] = status.GetProperty("appliedRevision").GetInt64();
            provisioned[edge.Id] = await ReadSyncTokenAsync(edge, cancellationToken);
        }

        // Act + Assert: a catalog change reaches all four through their relays; the registry shows
        // every edge, the four with via and the revision they acknowledged to their relay.
        var head = await origin.PushCatalogAsync(Creator, OriginNode.SimpleCatalog("Through the relays"), cancellationToken);
        await WaitForAllAsync(edges, head, "Through the relays", cancellationToken);
        var registry = await WaitForRegistryAsync(origin, r => Via(r, "edge-a1") == "relay-a" && Via(r, "edge-a2") == "relay-a" && Via(r, "edge-b1") == "relay-b" && Via(r, "edge-b2") == "relay-b"
            && edges.All(e => Applied(r, e.Id) == head) && Applied(r, "relay-a") == head && Applied(r, "relay-b") == head, cancellationToken);
        Assert.Null(Via(registry, "relay-a"));
        Assert.Null(Via(registry, "relay-b"));

        // A drop reaches all four.
        var admin = await origin.MintTokenAsync("ops", null, ["admin:drops", "admin:platform"], "origin", cancellationToken);
        await PutDropAsync(origin, admin, cancellationToken);
        foreach (var edge in edges)
        {
            await edge.WaitForDropAsync(DropId, cancellationToken);
        }

        // A model activation reaches all four, its bytes served by the relays from their own disks.
        JsonElement model;
        using (var trained = await origin.Http.PostAsync("/admin/v1/models/train?demo=true", null, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Created, trained.StatusCode);
            model = await trained.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }

        var viewerBefore = await MintViewerAsync(origin, cancellationToken);
        foreach (var edge in edges)
        {
            await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= model.GetProperty("activatedRevision").GetInt64(), TimeSpan.FromSeconds(30), "the model's activation", cancellationToken);
            var recommended = await RecommendAsync(edge, viewerBefore, cancellationToken);
            Assert.Equal("model", recommended.GetProperty("source").GetString());
            Assert.Equal(model.GetProperty("version").GetString(), recommended.GetProperty("modelVersion").GetString());
        }

        // Key rotation: every edge's edge:sync token is renewed with the new key, the four behind
        // relays through them (the relays cannot mint), each written over its token file.
        var oldKey = await SigningKeyAsync(origin, cancellationToken);
        using (var rotated = await origin.Http.PostAsync("/admin/v1/keys/rotate", null, cancellationToken))
        {
            rotated.EnsureSuccessStatusCode();
        }

        foreach (var edge in edges)
        {
            await WaitUntilAsync(async () => await ReadSyncTokenAsync(edge, cancellationToken) != provisioned[edge.Id], TimeSpan.FromSeconds(30), $"{edge.Id}'s sync token renewed through its relay", edge, cancellationToken);
        }

        // Key revocation: a token the old key signed stops working at every edge; the edges keep
        // syncing with their renewed tokens.
        Assert.NotEqual(oldKey, await SigningKeyAsync(origin, cancellationToken));
        using (var revoked = await origin.Http.PostAsync($"/admin/v1/keys/{oldKey}/revoke", null, cancellationToken))
        {
            revoked.EnsureSuccessStatusCode();
        }

        // The revoked key took the operator's token with it; the origin writes a new one.
        await WaitUntilAsync(async () =>
        {
            await origin.RefreshAdminTokenAsync(cancellationToken);
            using var keys = await origin.Http.GetAsync("/admin/v1/keys", cancellationToken);
            return keys.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(30), "a new operator token", edgeA1, cancellationToken);
        var viewerAfter = await MintViewerAsync(origin, cancellationToken);
        foreach (var edge in edges)
        {
            await WaitUntilAsync(async () => await MeAsync(edge, viewerBefore, cancellationToken) == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30), $"the revoked key's token refused at {edge.Id}", edge, cancellationToken);
            await WaitUntilAsync(async () => await MeAsync(edge, viewerAfter, cancellationToken) == HttpStatusCode.OK, TimeSpan.FromSeconds(30), $"the new key's token accepted at {edge.Id}", edge, cancellationToken);
        }

        head = await origin.PushCatalogAsync(Creator, OriginNode.SimpleCatalog("After the key revocation"), cancellationToken);
        await WaitForAllAsync(edges, head, "After the key revocation", cancellationToken);

        // Edge revocation: edge-b2's stream through relay-b is cut, and it cannot come back through
        // either relay nor the origin (each answers PERMISSION_DENIED).
        using (var revoked = await origin.Http.PostAsync("/admin/v1/edges/edge-b2/revoke", null, cancellationToken))
        {
            revoked.EnsureSuccessStatusCode();
        }

        await edgeB2.WaitForStatusAsync(static s => !s.GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(30), "the revoked edge cut off at its relay", cancellationToken);
        var refused = await edgeB2.WaitForStatusAsync(static s => s.GetProperty("failedAttempts").GetInt64() >= 4, TimeSpan.FromSeconds(30), "the revoked edge refused at both relays and the origin", cancellationToken);
        Assert.Contains("PermissionDenied", refused.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.False(refused.GetProperty("connected").GetBoolean());
        EdgeNode[] live = [edgeA1, edgeA2, edgeB1];

        // A relay killed (kill -9): its edges move to the other relay and resume from their revision.
        await relayA.KillAsync();
        head = await origin.PushCatalogAsync(Creator, OriginNode.SimpleCatalog("After relay-a died"), cancellationToken);
        await WaitForAllAsync(live, head, "After relay-a died", cancellationToken);
        foreach (var edge in new[] { edgeA1, edgeA2 })
        {
            await edge.WaitForStatusAsync(s => s.GetProperty("originAddress").GetString() == relayBAddress.ToString() && s.GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(30), "following relay-b", cancellationToken);
        }

        await WaitForRegistryAsync(origin, r => Via(r, "edge-a1") == "relay-b" && Via(r, "edge-a2") == "relay-b" && Via(r, "edge-b1") == "relay-b"
            && live.All(e => Applied(r, e.Id) == head) && Find(r, "edge-b2").GetProperty("revoked").GetBoolean() && Applied(r, "edge-b2") < head, cancellationToken);

        // The relay comes back (its persisted replica): its edges return to it (Sync:ReturnInterval),
        // from their revision, without a snapshot.
        await relayA.RestartAsync(cancellationToken);
        foreach (var edge in new[] { edgeA1, edgeA2 })
        {
            await edge.WaitForStatusAsync(s => s.GetProperty("originAddress").GetString() == relayAAddress.ToString() && s.GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(30), "back on relay-a", cancellationToken);
        }

        head = await origin.PushCatalogAsync(Creator, OriginNode.SimpleCatalog("Relay-a is back"), cancellationToken);
        await WaitForAllAsync(live, head, "Relay-a is back", cancellationToken);
        await WaitForRegistryAsync(origin, r => Via(r, "edge-a1") == "relay-a" && Via(r, "edge-a2") == "relay-a" && Via(r, "edge-b1") == "relay-b"
            && live.All(e => Applied(r, e.Id) == head) && Applied(r, "relay-a") == head, cancellationToken);

        // Assert: through all of it, each edge took one snapshot (its relay's) and applied exactly
        // the changes after it: none lost, none applied twice. The revoked edge is stuck below the head.
        foreach (var edge in live)
        {
            var status = await edge.GetStatusAsync(cancellationToken);
            Assert.Equal(1, status.GetProperty("snapshotsReceived").GetInt64());
            Assert.Equal(head - snapshotAt[edge.Id], status.GetProperty("changesApplied").GetInt64());
            Assert.Equal(head, status.GetProperty("appliedRevision").GetInt64());
        }

        Assert.True((await edgeB2.GetStatusAsync(cancellationToken)).GetProperty("appliedRevision").GetInt64() < head);
    }

    /// <summary>
    /// Would catch an edge whose relay hangs (alive, its sockets open, answering nothing) sitting a
    /// whole idle timeout without any stream at every try to return to it, instead of giving the
    /// relay <c>Sync:ReturnTimeout</c> to answer and going back to the origin.
    /// </summary>
    [Fact]
    public async Task RelayFrozen_ItsEdgeServesFromTheOrigin_EachReturnGivesUpAfterTheReturnTimeout_AndItComesBackOnceTheRelayThaws()
    {
        // Arrange: an origin, a relay, and an edge behind it falling back to the origin.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        var head = await origin.PushCatalogAsync(Creator, OriginNode.SimpleCatalog("Before the freeze"), cancellationToken);
        var (relay, relayAddress) = await StartRelayAsync(origin, "relay-a", data, cancellationToken);
        await using var relayNode = relay;
        await relay.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= head, TimeSpan.FromSeconds(30), "the relay's snapshot", cancellationToken);
        await using var edge = await origin.StartEdgeAsync("edge-a1", "eu-west", data.Combine("edge-a1"), cancellationToken, relayAddress,
            $"--Sync:OriginAddresses:0={origin.GrpcAddress}", $"--Sync:InventoryAddress={origin.GrpcAddress}",
            "--Sync:ReturnInterval=00:00:02", "--Sync:IdleTimeout=00:00:05");
        await edge.WaitForStatusAsync(s => s.GetProperty("originAddress").GetString() == relayAddress.ToString() && s.GetProperty("appliedRevision").GetInt64() >= head,
            TimeSpan.FromSeconds(30), "following the relay", cancellationToken);

        var frozen = false;
        try
        {
            // Act 1: freeze the relay (SIGSTOP); the edge moves to the origin and keeps trying the relay.
            Assert.True(PosixSignals.Send(relay.ProcessId, PosixSignals.SigStop));
            frozen = true;
            await edge.WaitForStatusAsync(s => s.GetProperty("originAddress").GetString() == origin.GrpcAddress.ToString() && s.GetProperty("connected").GetBoolean(),
                TimeSpan.FromSeconds(30), "following the origin", cancellationToken);
            await WaitUntilAsync(() => Task.FromResult(edge.Output.Contains("sent nothing within", StringComparison.Ordinal)), TimeSpan.FromSeconds(30),
                "a return to the frozen relay given up after the return timeout", edge, cancellationToken);
            head = await origin.PushCatalogAsync(Creator, OriginNode.SimpleCatalog("While the relay is frozen"), cancellationToken);
            await WaitForAllAsync([edge], head, "While the relay is frozen", cancellationToken);

            // Act 2: thaw it; the edge's next return stays.
            Assert.True(PosixSignals.Send(relay.ProcessId, PosixSignals.SigCont));
            frozen = false;
            await edge.WaitForStatusAsync(s => s.GetProperty("originAddress").GetString() == relayAddress.ToString() && s.GetProperty("connected").GetBoolean(),
                TimeSpan.FromSeconds(30), "back on the relay", cancellationToken);
            head = await origin.PushCatalogAsync(Creator, OriginNode.SimpleCatalog("The relay is back"), cancellationToken);

            // Assert: the change after the thaw came through the relay; nothing was lost or applied twice.
            await WaitForAllAsync([edge], head, "The relay is back", cancellationToken);
            var status = await edge.GetStatusAsync(cancellationToken);
            Assert.Equal(relayAddress.ToString(), status.GetProperty("originAddress").GetString());
            Assert.Equal(1, status.GetProperty("snapshotsReceived").GetInt64());
            Assert.Equal(head, status.GetProperty("appliedRevision").GetInt64());
        }
        finally
        {
            if (frozen)
            {
                PosixSignals.Send(relay.ProcessId, PosixSignals.SigCont);
            }
        }
    }

    private static async Task<(EdgeNode Relay, Uri Address)> StartRelayAsync(OriginNode origin, string id, TempDirectory data, CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var relay = await origin.StartEdgeAsync(id, "eu-west", data.Combine(id), cancellationToken, via: null,
            "--Relay:Enabled=true", $"--Kestrel:Endpoints:Relay:Url=http://127.0.0.1:{port}", "--Kestrel:Endpoints:Relay:Protocols=Http2");
        return (relay, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>An edge syncing from <paramref name="relay"/>, then <paramref name="otherRelay"/>, then the origin; inventory at the origin.</summary>
    private static Task<EdgeNode> StartBehindAsync(OriginNode origin, string id, Uri relay, Uri otherRelay, TempDirectory data, CancellationToken cancellationToken)
        => origin.StartEdgeAsync(id, "eu-west", data.Combine(id), cancellationToken, relay,
            $"--Sync:OriginAddresses:0={otherRelay}", $"--Sync:OriginAddresses:1={origin.GrpcAddress}", $"--Sync:InventoryAddress={origin.GrpcAddress}",
            "--Sync:ReturnInterval=00:00:02");

    private static async Task WaitForAllAsync(IEnumerable<EdgeNode> edges, long revision, string title, CancellationToken cancellationToken)
    {
        foreach (var edge in edges)
        {
            await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= revision, TimeSpan.FromSeconds(30), $"revision {revision}", cancellationToken);
            using var widget = await edge.Http.GetAsync($"/v1/creators/{Creator}/widget", cancellationToken);
            Assert.Equal(HttpStatusCode.OK, widget.StatusCode);
            Assert.Contains(title, await widget.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, EdgeNode edge, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within {timeout}.\n{edge.Output}");
            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<string> ReadSyncTokenAsync(EdgeNode edge, CancellationToken cancellationToken)
        => (await File.ReadAllTextAsync(edge.DataDirectory + ".sync.token", cancellationToken)).Trim();

    private static async Task<string> SigningKeyAsync(OriginNode origin, CancellationToken cancellationToken)
        => (await origin.Http.GetFromJsonAsync<JsonElement>("/admin/v1/keys", cancellationToken))
            .GetProperty("keys").EnumerateArray().Single(static k => k.GetProperty("signing").GetBoolean()).GetProperty("keyId").GetString()!;

    private static async Task<string> MintViewerAsync(OriginNode origin, CancellationToken cancellationToken)
        => await origin.MintTokenAsync("viewer-1", ShopCreator, ["recs:read"], "edge", cancellationToken, ttlSeconds: 600);

    private static async Task<HttpStatusCode> MeAsync(EdgeNode edge, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await edge.Http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    private static async Task<JsonElement> RecommendAsync(EdgeNode edge, string token, CancellationToken cancellationToken)
    {
        // The token's key reaches the edge on the stream: retry the first 401s briefly.
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/recommendations?creatorId={ShopCreator}&k=5");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await edge.Http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt < 100)
            {
                await Task.Delay(100, cancellationToken);
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
    }

    /// <summary>A shop of twelve products, enough for the demo training to produce a model.</summary>
    private static string ShopCatalog()
        => "{\"products\":[" + string.Join(",", new[] { "hoodie", "tee", "cap", "poster" }.SelectMany(kind => Enumerable.Range(1, 3).Select(v =>
            $$"""{"id":"a-{{kind}}-0{{v}}","title":"{{kind}} {{v}}","price":{"amountMinor":{{1000 + (v * 700)}},"currency":"EUR"},"skus":[{"id":"a-{{kind}}-0{{v}}-m","label":"M"}]}"""))) + "]}";

    private static async Task PutDropAsync(OriginNode origin, string admin, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/admin/v1/creators/{ShopCreator}/drops/{DropId}");
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        put.Content = new StringContent(JsonSerializer.Serialize(new
        {
            title = "Relay drop",
            startsAt = now.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            endsAt = now.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            perViewerLimit = 1,
            allocations = new[] { new { skuId = "a-tee-01-m", units = 5 } },
        }), Encoding.UTF8, "application/json");
        using var response = await origin.Http.SendAsync(put, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>
    /// SETTINGS_MAX_CONCURRENT_STREAMS as the server sends it on a new HTTP/2 connection (RFC 9113
    /// §6.5): the client preface and an empty SETTINGS frame, then the server's first SETTINGS frame.
    /// </summary>
    private static async Task<long> AdvertisedMaxConcurrentStreamsAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        var stream = client.GetStream();
        byte[] preface = [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, 0, 0, 0, 4, 0, 0, 0, 0, 0];
        await stream.WriteAsync(preface, cancellationToken);
        var header = new byte[9];
        while (true)
        {
            await stream.ReadExactlyAsync(header, cancellationToken);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, cancellationToken);
            if (header[3] != 4 || (header[4] & 1) != 0)
            {
                continue;
            }

            for (var offset = 0; offset + 6 <= length; offset += 6)
            {
                if (((payload[offset] << 8) | payload[offset + 1]) == 3)
                {
                    return ((long)payload[offset + 2] << 24) | ((long)payload[offset + 3] << 16) | ((long)payload[offset + 4] << 8) | payload[offset + 5];
                }
            }

            return 100; // Absent: no limit advertised (Kestrel always sends it; 100 is its default).
        }
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
}
