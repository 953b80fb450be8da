using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Sync;

/// <summary>
/// The sync guarantee over real processes and sockets: whatever happens to the links, every edge
/// ends up holding exactly the origin's state, having applied each revision once and in order.
/// </summary>
public sealed class SyncChaosTests
{
    private const int Revisions = 100;
    private static readonly string[] s_creators = ["aurora", "blaze", "cobalt", "dune", "ember"];

    /// <summary>
    /// Pushes 100 catalog revisions (puts and deletes across five creators) while TCP relays
    /// between each edge and the origin reset the edges' connections at random points. Catches:
    /// a change lost across a reconnect (replica differs from the origin), a change applied twice
    /// or a resumed stream that restarts from the wrong revision (changesApplied differs from the
    /// head, or a new snapshot was needed), and reordering (a stale catalog wins).
    /// </summary>
    [Fact]
    public async Task Watch_ConnectionsCutAtRandom_EveryEdgeEqualsOriginAtHead()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var seed = Environment.GetEnvironmentVariable("EDGECOMMERCE_CHAOS_SEED") is { } fixedSeed
            ? int.Parse(fixedSeed, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        TestContext.Current.TestOutputHelper?.WriteLine($"Chaos seed: {seed} (rerun with EDGECOMMERCE_CHAOS_SEED={seed})");
        var random = new Random(seed);

        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var relay1 = new TcpRelay(origin.GrpcPort);
        await using var relay2 = new TcpRelay(origin.GrpcPort);
        string[] fastReconnect = ["--Sync:InitialBackoff=00:00:00.020", "--Sync:MaxBackoff=00:00:00.300"];
        await using var edge1 = await EdgeNode.StartAsync("edge-chaos-1", "eu-west", relay1.Address, await origin.MintSyncTokenAsync("edge-chaos-1", cancellationToken), data.Combine("edge1"), cancellationToken, fastReconnect);
        await using var edge2 = await EdgeNode.StartAsync("edge-chaos-2", "us-east", relay2.Address, await origin.MintSyncTokenAsync("edge-chaos-2", cancellationToken), data.Combine("edge2"), cancellationToken, fastReconnect);
        EdgeNode[] edges = [edge1, edge2];
        foreach (var edge in edges)
        {
            await edge.WaitForStatusAsync(static s => s.GetProperty("ready").GetBoolean(), TimeSpan.FromSeconds(30), "first snapshot", cancellationToken);
        }

        // Act
        var live = new HashSet<string>(StringComparer.Ordinal);
        // The origin's first signing key (made for its bootstrap token) is already a revision: the snapshot's.
        var snapshotRevision = (await edge1.GetStatusAsync(cancellationToken)).GetProperty("appliedRevision").GetInt64();
        var head = snapshotRevision;
        for (var i = 1; i <= Revisions; i++)
        {
            var creator = s_creators[random.Next(s_creators.Length)];
            HttpResponseMessage response;
            if (live.Contains(creator) && random.NextDouble() < 0.15)
            {
                response = await origin.Http.DeleteAsync($"/admin/v1/creators/{creator}", cancellationToken);
                live.Remove(creator);
            }
            else
            {
                response = await origin.Http.PutAsync($"/admin/v1/creators/{creator}/catalog", CatalogBody(creator, i, random), cancellationToken);
                live.Add(creator);
            }

            Assert.True(response.IsSuccessStatusCode, $"write {i} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            var revision = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("revision").GetInt64();
            Assert.Equal(head + 1, revision);
            head = revision;

            // Cut at random points, and always at a few fixed ones so every run has chaos.
            var roll = random.NextDouble();
            if (roll < 0.08 || i % 25 == 0)
            {
                relay1.CutAll();
            }

            if ((roll > 0.04 && roll < 0.12) || i % 25 == 10)
            {
                relay2.CutAll();
            }

            if (random.NextDouble() < 0.2)
            {
                await Task.Delay(random.Next(1, 15), cancellationToken);
            }
        }

        // Assert
        Assert.True(relay1.Cuts + relay2.Cuts > 0, "the relays never cut a connection: the test proved nothing");
        foreach (var edge in edges)
        {
            var status = await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == head,
                TimeSpan.FromSeconds(60), $"catching up to revision {head}", cancellationToken);
            Assert.Equal(1, status.GetProperty("snapshotsReceived").GetInt64());
            // Each revision after the first snapshot must have been applied exactly once.
            Assert.Equal(head - snapshotRevision, status.GetProperty("changesApplied").GetInt64());
        }

        var creators = (await origin.Http.GetFromJsonAsync<JsonElement>("/admin/v1/creators", cancellationToken)).GetProperty("creators");
        var originRevisions = creators.EnumerateArray().ToDictionary(static c => c.GetProperty("id").GetString()!, static c => c.GetProperty("revision").GetInt64());
        Assert.Equal(live.Order(StringComparer.Ordinal), originRevisions.Keys.Order(StringComparer.Ordinal));
        foreach (var creator in s_creators)
        {
            var expected = originRevisions.ContainsKey(creator)
                ? await origin.Http.GetStringAsync($"/admin/v1/creators/{creator}/catalog", cancellationToken)
                : null;
            foreach (var edge in edges)
            {
                using var widget = await edge.Http.GetAsync($"/v1/creators/{creator}/widget", cancellationToken);
                if (expected is null)
                {
                    Assert.Equal(HttpStatusCode.NotFound, widget.StatusCode);
                    continue;
                }

                Assert.Equal(HttpStatusCode.OK, widget.StatusCode);
                var body = JsonNode.Parse(await widget.Content.ReadAsStringAsync(cancellationToken))!;
                Assert.Equal(originRevisions[creator], body["revision"]!.GetValue<long>());
                Assert.Equal(WidgetView(JsonNode.Parse(expected)!), body["products"]!.ToJsonString());
            }
        }
    }

    /// <summary>The origin's stored catalog as the widget shows it: the same products minus attributes.</summary>
    private static string WidgetView(JsonNode catalog)
    {
        var products = catalog["products"]!.AsArray().DeepClone().AsArray();
        foreach (var product in products)
        {
            product!.AsObject().Remove("attributes");
        }

        return products.ToJsonString();
    }

    private static StringContent CatalogBody(string creator, int iteration, Random random)
    {
        var products = new JsonArray();
        var count = random.Next(1, 5);
        for (var p = 0; p < count; p++)
        {
            var id = $"{creator}-p{p}";
            products.Add(new JsonObject
            {
                ["id"] = id,
                ["title"] = $"{creator} item {p} (write {iteration})",
                ["description"] = $"Written at step {iteration}",
                ["imageUrl"] = $"/images/demo/{id}.svg",
                ["price"] = new JsonObject { ["amountMinor"] = random.Next(100, 20_000), ["currency"] = "EUR" },
                ["attributes"] = new JsonObject { ["step"] = iteration.ToString(CultureInfo.InvariantCulture) },
                ["skus"] = new JsonArray(new JsonObject { ["id"] = $"{id}-m", ["label"] = "M" }, new JsonObject { ["id"] = $"{id}-l", ["label"] = "L" }),
            });
        }

        return new StringContent(new JsonObject { ["products"] = products }.ToJsonString(), Encoding.UTF8, "application/json");
    }
}
