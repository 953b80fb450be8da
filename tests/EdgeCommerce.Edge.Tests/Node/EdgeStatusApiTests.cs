using System.Net;
using System.Text.Json;
using EdgeCommerce.Edge.Tests.Infrastructure;
using static EdgeCommerce.Edge.Tests.Infrastructure.CatalogData;

namespace EdgeCommerce.Edge.Tests.Node;

/// <summary>Each test starts a host of its own: the status reports process-wide counters.</summary>
public sealed class EdgeStatusApiTests
{
    [Fact]
    public async Task GetStatus_NothingReceived_ReportsIdentityAndNotReady()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();
        using var client = edge.CreateClient();

        // Act
        using var response = await client.GetAsync("/v1/edge/status", ct);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        var root = status.RootElement;
        Assert.Equal(EdgeApiFixture.EdgeId, root.GetProperty("edgeId").GetString());
        Assert.Equal(EdgeApiFixture.Region, root.GetProperty("region").GetString());
        Assert.False(root.GetProperty("ready").GetBoolean());
        Assert.Equal(0, root.GetProperty("appliedRevision").GetInt64());
        Assert.Equal(0, root.GetProperty("headRevision").GetInt64());
        Assert.False(root.GetProperty("connected").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("lastContact").ValueKind);
        Assert.Equal(0, root.GetProperty("secondsSinceContact").GetDouble()); // since start (fake clock): never null
        Assert.Equal(JsonValueKind.Null, root.GetProperty("lastError").ValueKind);
        Assert.Equal(0, root.GetProperty("creators").GetInt32());
        Assert.Equal(0, root.GetProperty("snapshotsReceived").GetInt64());
        Assert.Equal(0, root.GetProperty("changesApplied").GetInt64());
        Assert.Equal(0, root.GetProperty("reconnects").GetInt64());
        Assert.Empty(edge.ErrorLogs);
    }

    [Fact]
    public async Task GetStatus_OriginUnreachableSinceStart_ReportsStalenessAttemptsAndTheLastError()
    {
        // Arrange: the sync worker dials an address where nothing listens, as after a restart with the origin down.
        var ct = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture(keepSyncWorker: true);
        await edge.InitializeAsync();
        using var client = edge.CreateClient();
        for (var i = 0; i < 300 && edge.SyncState.LastError is null; i++)
        {
            await Task.Delay(100, ct);
        }

        edge.Time.Advance(TimeSpan.FromSeconds(12));

        // Act
        using var response = await client.GetAsync("/v1/edge/status", ct);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));

        // Assert
        var root = status.RootElement;
        Assert.False(root.GetProperty("connected").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("lastContact").ValueKind);
        Assert.True(root.GetProperty("secondsSinceContact").GetDouble() >= 12);
        Assert.True(root.GetProperty("connectAttempts").GetInt64() >= 1);
        Assert.True(root.GetProperty("failedAttempts").GetInt64() >= 1);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("lastError").GetString()));
        Assert.Equal(JsonValueKind.String, root.GetProperty("lastErrorAt").ValueKind);
    }

    [Fact]
    public async Task GetStatus_AfterSnapshotBatchAndHeartbeat_ReflectsReplicaAndSyncState()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();
        using var client = edge.CreateClient();
        await edge.Updater.ApplySnapshotAsync(Snapshot(10, CatalogOf("a", 4, "p1"), CatalogOf("b", 10, "p2")), ct);
        edge.Time.Advance(TimeSpan.FromSeconds(30));
        await edge.Updater.ApplyBatchAsync(Batch(10, 12, Upsert(CatalogOf("c", 11, "p3")), Delete(12, "a")), ct);
        var lastContact = edge.Time.GetUtcNow();
        edge.SyncState.OnMessage(50);
        edge.Time.Advance(TimeSpan.FromSeconds(7));

        // Act
        using var response = await client.GetAsync("/v1/edge/status", ct);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));

        // Assert
        var root = status.RootElement;
        Assert.True(root.GetProperty("ready").GetBoolean());
        Assert.Equal(12, root.GetProperty("appliedRevision").GetInt64());
        Assert.Equal(50, root.GetProperty("headRevision").GetInt64());
        Assert.True(root.GetProperty("connected").GetBoolean());
        Assert.Equal(lastContact, root.GetProperty("lastContact").GetDateTimeOffset());
        Assert.Equal(7, root.GetProperty("secondsSinceContact").GetDouble());
        Assert.Equal(2, root.GetProperty("creators").GetInt32());
        Assert.Equal(1, root.GetProperty("snapshotsReceived").GetInt64());
        Assert.Equal(2, root.GetProperty("changesApplied").GetInt64());
        Assert.Equal(0, root.GetProperty("reconnects").GetInt64());
        Assert.Empty(edge.ErrorLogs);
    }

    [Fact]
    public async Task GetStatus_HeadBehindReplica_ReportsAppliedRevisionAsHead()
    {
        // Arrange: a snapshot applied outside the updater leaves the sync state at head 0.
        var ct = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();
        using var client = edge.CreateClient();
        edge.Holder.Swap(edge.Holder.Current.ApplySnapshot(Snapshot(8, CatalogOf("a", 8, "p1"))).Replica);

        // Act
        using var response = await client.GetAsync("/v1/edge/status", ct);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));

        // Assert
        var root = status.RootElement;
        Assert.Equal(8, root.GetProperty("appliedRevision").GetInt64());
        Assert.Equal(8, root.GetProperty("headRevision").GetInt64());
        Assert.Equal(0, root.GetProperty("snapshotsReceived").GetInt64());
    }

    [Fact]
    public async Task GetStatus_AfterDisconnects_CountsOneReconnectPerLostLinkAndKeepsServing()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();
        using var client = edge.CreateClient();
        await edge.Updater.ApplySnapshotAsync(Snapshot(3, CatalogOf("a", 3, "p1")), ct);
        edge.SyncState.OnMessage(3); // the sync worker marks the link up for every message it receives

        // Act: two failed attempts in a row are one lost link; then contact again, then lost again.
        edge.SyncState.OnDisconnected();
        edge.SyncState.OnDisconnected();
        using var disconnected = await client.GetAsync("/v1/edge/status", ct);
        using var disconnectedStatus = JsonDocument.Parse(await disconnected.Content.ReadAsStringAsync(ct));
        edge.SyncState.OnMessage(3);
        edge.SyncState.OnDisconnected();
        using var again = await client.GetAsync("/v1/edge/status", ct);
        using var againStatus = JsonDocument.Parse(await again.Content.ReadAsStringAsync(ct));
        using var widget = await client.GetAsync("/v1/creators/a/widget", ct);

        // Assert
        Assert.False(disconnectedStatus.RootElement.GetProperty("connected").GetBoolean());
        Assert.Equal(1, disconnectedStatus.RootElement.GetProperty("reconnects").GetInt64());
        Assert.True(disconnectedStatus.RootElement.GetProperty("ready").GetBoolean());
        Assert.Equal(2, againStatus.RootElement.GetProperty("reconnects").GetInt64());
        Assert.Equal(HttpStatusCode.OK, widget.StatusCode);
    }
}
