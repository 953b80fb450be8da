using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Sync;

/// <summary>
/// Several origin processes on one PostgreSQL database: a write made through any replica reaches
/// the edges following any other, in order, and an edge whose replica dies fails over to another
/// and resumes from its revision.
/// </summary>
public sealed class PostgresReplicasTests(PostgresServer server)
{
    private static readonly string[] s_creators = ["north", "south", "west"];

    /// <summary>
    /// Origin 2 heartbeats only every 5 minutes and the edge tolerates 10 minutes of silence, so
    /// within each 30-second wait below a write made through origin 1 can only reach the edge by
    /// PostgreSQL waking origin 2's stream (LISTEN/NOTIFY), not by its heartbeat re-read.
    /// </summary>
    [Fact]
    public async Task Edge_FollowingOriginTwo_ReceivesEachWriteMadeThroughOriginOneInOrder()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        var database = await server.CreateDatabaseAsync("replicas", cancellationToken);
        await using var origin1 = await OriginNode.StartAsync(data.Combine("origin1"), cancellationToken, PostgresSettings(database));
        // Replicas on one database share the key-encryption key file (the runbook's rule).
        await using var origin2 = await OriginNode.StartAsync(data.Combine("origin2"), cancellationToken, [.. PostgresSettings(database), SharedKek(data), "--Sync:HeartbeatInterval=00:05:00"]);
        await using var edge = await EdgeNode.StartAsync("edge-pg", "eu-west", origin2.GrpcAddress, await origin2.MintSyncTokenAsync("edge-pg", cancellationToken), data.Combine("edge"), cancellationToken, "--Sync:IdleTimeout=00:10:00");
        await edge.WaitForStatusAsync(static s => s.GetProperty("ready").GetBoolean(), TimeSpan.FromSeconds(30), "first snapshot", cancellationToken);

        // Act / Assert: every write, as soon as it is acknowledged, shows up on the edge. The revisions
        // before it (the first signing key) came in the edge's snapshot.
        const int Writes = 10;
        var start = await HeadAsync(origin1, cancellationToken);
        for (var i = 1; i <= Writes; i++)
        {
            var creator = s_creators[i % s_creators.Length];
            var revision = await PushAsync(origin1, creator, $"Write {i} through origin 1", cancellationToken);
            Assert.Equal(start + i, revision);
            await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == revision, TimeSpan.FromSeconds(30), $"revision {revision}", cancellationToken);
            using var widget = await edge.Http.GetAsync($"/v1/creators/{creator}/widget", cancellationToken);
            Assert.Equal(HttpStatusCode.OK, widget.StatusCode);
            Assert.Contains($"Write {i} through origin 1", await widget.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
            Assert.Equal(revision.ToString(CultureInfo.InvariantCulture), widget.Headers.GetValues("X-Catalog-Revision").Single());
        }

        var status = await edge.GetStatusAsync(cancellationToken);
        Assert.Equal(1, status.GetProperty("snapshotsReceived").GetInt64());
        Assert.Equal(Writes, status.GetProperty("changesApplied").GetInt64());
        Assert.Equal(0, status.GetProperty("reconnects").GetInt64());
        Assert.Equal(start + Writes, await HeadAsync(origin2, cancellationToken));
        // Origin 1 never saw the edge: it knows it, and its acknowledged revision, from the shared registry.
        await WaitForRegistryAsync(origin1, "edge-pg", start + Writes, cancellationToken);
    }

    [Fact]
    public async Task Edge_ItsOriginKilledWhileWritesContinueThroughAnother_FailsOverAndCatchesUpWithoutSnapshot()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        var database = await server.CreateDatabaseAsync("failover", cancellationToken);
        await using var origin1 = await OriginNode.StartAsync(data.Combine("origin1"), cancellationToken, PostgresSettings(database));
        await using var origin2 = await OriginNode.StartAsync(data.Combine("origin2"), cancellationToken, [.. PostgresSettings(database), SharedKek(data)]);
        await using var edge = await EdgeNode.StartAsync("edge-failover", "us-east", origin2.GrpcAddress, await origin2.MintSyncTokenAsync("edge-failover", cancellationToken), data.Combine("edge"), cancellationToken,
            $"--Sync:OriginAddresses:0={origin1.GrpcAddress}", "--Sync:InitialBackoff=00:00:00.020", "--Sync:MaxBackoff=00:00:00.300");
        var start = (await edge.WaitForStatusAsync(static s => s.GetProperty("ready").GetBoolean(), TimeSpan.FromSeconds(30), "first snapshot", cancellationToken))
            .GetProperty("appliedRevision").GetInt64();
        var head = start;
        for (var i = 1; i <= 3; i++)
        {
            head = await PushAsync(origin1, s_creators[i % s_creators.Length], $"Before the failover {i}", cancellationToken);
        }

        await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == head, TimeSpan.FromSeconds(30), "the writes before the failover", cancellationToken);

        // Act: origin 2 crashes under the edge; writes go on through origin 1.
        await origin2.KillAsync();
        for (var i = 4; i <= 12; i++)
        {
            head = await PushAsync(origin1, s_creators[i % s_creators.Length], $"After the failover {i}", cancellationToken);
        }

        using (var delete = await origin1.Http.DeleteAsync($"/admin/v1/creators/{s_creators[0]}", cancellationToken))
        {
            delete.EnsureSuccessStatusCode();
            head = (await delete.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("revision").GetInt64();
        }

        // Assert: the edge holds exactly origin 1's state, having applied each revision once, with no second snapshot.
        var status = await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == head, TimeSpan.FromSeconds(60), $"catching up to revision {head}", cancellationToken);
        Assert.Equal(start + 13, head);
        Assert.Equal(1, status.GetProperty("snapshotsReceived").GetInt64());
        Assert.Equal(head - start, status.GetProperty("changesApplied").GetInt64());
        Assert.True(status.GetProperty("reconnects").GetInt64() >= 1);
        Assert.Equal(head, await HeadAsync(origin1, cancellationToken));
        foreach (var creator in s_creators)
        {
            using var catalog = await origin1.Http.GetAsync($"/admin/v1/creators/{creator}/catalog", cancellationToken);
            using var widget = await edge.Http.GetAsync($"/v1/creators/{creator}/widget", cancellationToken);
            if (catalog.StatusCode == HttpStatusCode.NotFound)
            {
                Assert.Equal(HttpStatusCode.NotFound, widget.StatusCode);
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, widget.StatusCode);
            var expected = JsonNode.Parse(await catalog.Content.ReadAsStringAsync(cancellationToken))!;
            var body = JsonNode.Parse(await widget.Content.ReadAsStringAsync(cancellationToken))!;
            Assert.Equal(catalog.Headers.ETag!.Tag.Trim('"').TrimStart('r'), body["revision"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture));
            Assert.Equal(WidgetView(expected), body["products"]!.ToJsonString());
        }
    }

    /// <summary>
    /// One database, and one issuer: replicas share keys through the store, and a token minted by one
    /// must be accepted by the other (the default issuer, each process's own URL, would differ).
    /// </summary>
    private static string[] PostgresSettings(string connectionString)
        => ["--Storage:Provider=Postgres", $"--Storage:ConnectionString={connectionString}", "--Keys:Issuer=https://origin.edgecommerce.test"];

    /// <summary>The first replica's key-encryption key, for the others.</summary>
    private static string SharedKek(TempDirectory data) => $"--Keys:EncryptionKeyPath={data.Combine("origin1", "keys", "kek")}";

    private static async Task<long> HeadAsync(OriginNode origin, CancellationToken cancellationToken)
        => (await origin.Http.GetFromJsonAsync<JsonElement>("/admin/v1/edges", cancellationToken)).GetProperty("headRevision").GetInt64();

    /// <summary>Polls an origin's edge list (the registry the replicas share) until it shows the edge at the revision.</summary>
    private static async Task WaitForRegistryAsync(OriginNode origin, string edgeId, long appliedRevision, CancellationToken cancellationToken)
    {
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        var edges = default(JsonElement);
        while (elapsed.Elapsed < TimeSpan.FromSeconds(30))
        {
            edges = (await origin.Http.GetFromJsonAsync<JsonElement>("/admin/v1/edges", cancellationToken)).GetProperty("edges");
            if (edges.EnumerateArray().Any(e => e.GetProperty("id").GetString() == edgeId && e.GetProperty("appliedRevision").GetInt64() == appliedRevision))
            {
                return;
            }

            await Task.Delay(25, cancellationToken);
        }

        throw new TimeoutException($"Edge {edgeId} at revision {appliedRevision} never showed up in {origin.HttpAddress}'s registry: {edges}");
    }

    private static async Task<long> PushAsync(OriginNode origin, string creator, string title, CancellationToken cancellationToken)
    {
        var body = $$"""{"products":[{"id":"{{creator}}-01","title":"{{title}}","price":{"amountMinor":2500,"currency":"EUR"},"attributes":{"note":"kept at the origin"},"skus":[{"id":"{{creator}}-01-m","label":"M"}]}]}""";
        using var response = await origin.Http.PutAsync($"/admin/v1/creators/{creator}/catalog", new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}\n{origin.Output}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("revision").GetInt64();
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
}
