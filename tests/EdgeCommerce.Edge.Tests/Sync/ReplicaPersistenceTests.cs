using System.Net;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.Edge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static EdgeCommerce.Edge.Tests.Infrastructure.CatalogData;

namespace EdgeCommerce.Edge.Tests.Sync;

/// <summary>
/// Warm restart over the in-memory edge host: a replica file put in Edge:DataDirectory before the
/// host starts. Each test starts a host of its own.
/// </summary>
public sealed class ReplicaPersistenceTests
{
    [Fact(Timeout = 30_000)]
    public async Task StartAsync_PersistedReplicaAndNoOrigin_ReadyAndServingAtOnce()
    {
        // Arrange: the sync worker runs, but nothing listens at Sync:OriginAddress.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture(keepSyncWorker: true);
        await new ReplicaFile(edge.DataDirectory).SaveAsync(Persisted(EdgeApiFixture.EdgeId, 12, CatalogOf("creator-a", 12, "p1")), cancellationToken);

        // Act
        await edge.InitializeAsync();
        using var client = edge.CreateClient();
        using var ready = await client.GetAsync("/readyz", cancellationToken);
        using var widget = await client.GetAsync("/v1/creators/creator-a/widget", cancellationToken);
        var status = await StatusAsync(client, cancellationToken);
        await Persistence(edge).PersistIfChangedAsync(cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, widget.StatusCode);
        Assert.True(status.GetProperty("ready").GetBoolean());
        Assert.Equal(12, status.GetProperty("appliedRevision").GetInt64());
        Assert.Equal(12, status.GetProperty("restoredRevision").GetInt64());
        Assert.Equal(1, status.GetProperty("creators").GetInt32());
        Assert.Equal(0, status.GetProperty("snapshotsReceived").GetInt64());
        Assert.Equal("cluster-1", edge.Holder.Current.ClusterId);
        // What was just loaded is not written back.
        Assert.Null(edge.SyncState.PersistedRevision);
        Assert.DoesNotContain(1111, edge.LogEvents.Select(static e => e.EventId));
        Assert.Empty(edge.ErrorLogs);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("flipped byte")]
    [InlineData("another edge's file")]
    [InlineData("inconsistent snapshot")]
    [InlineData("signing key planted, checksum recomputed")]
    public async Task StartAsync_UnusableReplicaFile_IgnoredWithEvent1111AndNotReady(string damage)
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();
        var file = new ReplicaFile(edge.DataDirectory);
        switch (damage)
        {
            case "flipped byte":
                await file.SaveAsync(Persisted(EdgeApiFixture.EdgeId, 12, CatalogOf("creator-a", 12, "p1")), cancellationToken);
                var bytes = await File.ReadAllBytesAsync(file.Path, cancellationToken);
                bytes[^3] ^= 0x20;
                await File.WriteAllBytesAsync(file.Path, bytes, cancellationToken);
                break;
            case "another edge's file":
                await file.SaveAsync(Persisted("edge-other", 12, CatalogOf("creator-a", 12, "p1")), cancellationToken);
                break;
            case "signing key planted, checksum recomputed":
                // A local user who can write replica.bin adds a key of their own to mint tokens this edge
                // would accept; the SHA-256 the file used to carry is recomputed, the MAC cannot be.
                await file.SaveAsync(Persisted(EdgeApiFixture.EdgeId, 12, CatalogOf("creator-a", 12, "p1")), cancellationToken);
                var planted = Persisted(EdgeApiFixture.EdgeId, 12, CatalogOf("creator-a", 12, "p1"));
                planted.Snapshot.Keys = new KeySet { Issuer = "https://attacker.test", Keys = { new PublicKey { Kid = "attacker", X = Google.Protobuf.ByteString.CopyFrom(new byte[32]), Y = Google.Protobuf.ByteString.CopyFrom(new byte[32]) } } };
                var payload = Google.Protobuf.MessageExtensions.ToByteArray(planted);
                var forged = new byte[48 + payload.Length];
                (await File.ReadAllBytesAsync(file.Path, cancellationToken)).AsSpan(0, 8).CopyTo(forged);
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(forged.AsSpan(8), payload.Length);
                System.Security.Cryptography.SHA256.HashData(payload, forged.AsSpan(16, 32));
                payload.CopyTo(forged, 48);
                await File.WriteAllBytesAsync(file.Path, forged, cancellationToken);
                break;
            case "inconsistent snapshot":
                // Intact on disk, but a catalog newer than its snapshot: the replica refuses it.
                await file.SaveAsync(Persisted(EdgeApiFixture.EdgeId, 12, CatalogOf("creator-a", 13, "p1")), cancellationToken);
                break;
        }

        // Act
        await edge.InitializeAsync();
        using var client = edge.CreateClient();
        using var ready = await client.GetAsync("/readyz", cancellationToken);
        using var widget = await client.GetAsync("/v1/creators/creator-a/widget", cancellationToken);
        var status = await StatusAsync(client, cancellationToken);

        // Assert
        Assert.Contains((LogLevel.Warning, 1111), edge.LogEvents);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, widget.StatusCode);
        Assert.False(edge.Holder.Current.HasSnapshot);
        Assert.Equal(JsonValueKind.Null, status.GetProperty("restoredRevision").ValueKind);
        Assert.Empty(UnexpectedErrors(edge));
    }

    [Fact(Timeout = 30_000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task StartAsync_DataDirectoryOpenToOthers_MadeOwnerOnlyAndLogged()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "POSIX modes.");

        // Arrange: a data directory and files from before (0755, 0644).
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();
        var file = new ReplicaFile(edge.DataDirectory);
        await file.SaveAsync(Persisted(EdgeApiFixture.EdgeId, 12, CatalogOf("creator-a", 12, "p1")), cancellationToken);
        const UnixFileMode WorldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(file.Path, WorldReadable);
        File.SetUnixFileMode(file.KeyPath, WorldReadable);
        File.SetUnixFileMode(edge.DataDirectory, WorldReadable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);

        // Act
        await edge.InitializeAsync();

        // Assert: tightened, logged, and the replica still loads.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(edge.DataDirectory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.KeyPath));
        Assert.Equal(3, edge.LogEvents.Count(static e => e == (LogLevel.Warning, 1140)));
        Assert.True(edge.Holder.Current.HasSnapshot);
    }

    [Fact(Timeout = 30_000)]
    public async Task StartAsync_NoReplicaFile_LogsEvent1111AndWaitsForTheOrigin()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();

        // Act
        await edge.InitializeAsync();
        using var client = edge.CreateClient();
        using var ready = await client.GetAsync("/readyz", cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains((LogLevel.Warning, 1111), edge.LogEvents);
        Assert.Empty(UnexpectedErrors(edge));
    }

    [Fact(Timeout = 30_000)]
    public async Task PersistIfChangedAsync_AfterAChange_WritesOnceUntilTheNextChange()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();
        var persistence = Persistence(edge);
        var file = new ReplicaFile(edge.DataDirectory);

        // Act: nothing to write before the first snapshot.
        await persistence.PersistIfChangedAsync(cancellationToken);
        var beforeSnapshot = File.Exists(file.Path);

        await edge.Updater.ApplySnapshotAsync(Snapshot(3, CatalogOf("a", 3, "p1")), "cluster-1", cancellationToken);
        await persistence.PersistIfChangedAsync(cancellationToken);
        var (afterSnapshot, _) = await file.LoadAsync(EdgeApiFixture.EdgeId, cancellationToken);
        var persistedAfterSnapshot = edge.SyncState.PersistedRevision;

        // Deleting the file shows whether an unchanged replica is written again.
        File.Delete(file.Path);
        await persistence.PersistIfChangedAsync(cancellationToken);
        var rewrittenWithoutChange = File.Exists(file.Path);

        await edge.Updater.ApplyBatchAsync(Batch(3, 4, Upsert(CatalogOf("b", 4, "p2"))), cancellationToken);
        await persistence.PersistIfChangedAsync(cancellationToken);
        var (afterBatch, _) = await file.LoadAsync(EdgeApiFixture.EdgeId, cancellationToken);
        using var client = edge.CreateClient();
        var status = await StatusAsync(client, cancellationToken);

        // Assert
        Assert.False(beforeSnapshot);
        Assert.Equal(3, afterSnapshot?.Snapshot.Revision);
        Assert.Equal("cluster-1", afterSnapshot?.ClusterId);
        Assert.Equal(3, persistedAfterSnapshot);
        Assert.False(rewrittenWithoutChange);
        Assert.Equal(4, afterBatch?.Snapshot.Revision);
        Assert.Equal(["a", "b"], afterBatch?.Snapshot.Creators.Select(static c => c.CreatorId));
        Assert.Equal("cluster-1", afterBatch?.ClusterId);
        Assert.Equal(4, status.GetProperty("persistedRevision").GetInt64());
        Assert.Empty(edge.ErrorLogs);
    }

    [Fact(Timeout = 30_000)]
    public async Task StartAsync_PersistedReplica_WorkerResumesFromItsRevisionAndCluster()
    {
        // Arrange: the worker follows a scripted origin through OriginChannels' handler seam.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = await FakeOrigin.StartAsync(cancellationToken);
        using var handler = origin.CreateHandler();
        await using var edge = new EdgeApiFixture(keepSyncWorker: true, services =>
        {
            services.RemoveAll<OriginChannels>();
            services.AddSingleton(provider => new OriginChannels(provider.GetRequiredService<IOptions<SyncOptions>>(), provider.GetRequiredService<SyncCredentials>(), handler));
        });
        await new ReplicaFile(edge.DataDirectory).SaveAsync(Persisted(EdgeApiFixture.EdgeId, 12, CatalogOf("creator-a", 12, "p1")), cancellationToken);

        // Act
        await edge.InitializeAsync();
        var stream = await origin.NextStreamAsync(cancellationToken);
        await stream.SendAsync(new Heartbeat { HeadRevision = 13, ClusterId = "cluster-1" }, cancellationToken);
        await stream.SendAsync(Batch(12, 13, Upsert(CatalogOf("creator-b", 13, "p2"))), cancellationToken);
        var ack = await stream.NextAckAsync(cancellationToken);
        await Persistence(edge).PersistIfChangedAsync(cancellationToken);
        var (saved, _) = await new ReplicaFile(edge.DataDirectory).LoadAsync(EdgeApiFixture.EdgeId, cancellationToken);

        // Assert: no snapshot needed; only what follows the restored revision.
        Assert.Equal((12L, "cluster-1", 2u), (stream.Hello.FromRevision, stream.Hello.ClusterId, stream.Hello.ProtocolVersion));
        Assert.Equal(13, ack.AppliedRevision);
        Assert.Equal(13, saved?.Snapshot.Revision);
        Assert.Equal(0, edge.SyncState.SnapshotsReceived);
        Assert.Empty(edge.ErrorLogs);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_ReplicaChangedTwice_EachWrittenOnceThePausePassesWithoutBeingAsked()
    {
        // Arrange: the background loop alone (no PersistIfChangedAsync call from the test) on the
        // fixture's fake clock. Would catch a loop that sleeps through changes: it waits for a swap,
        // not for a timer, so it must wake for the first change and again for the next one.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();

        // Act
        await edge.Updater.ApplySnapshotAsync(Snapshot(3, CatalogOf("a", 3, "p1")), "cluster-1", cancellationToken);
        var first = await AdvanceUntilPersistedAsync(edge, 3, cancellationToken);
        await edge.Updater.ApplyBatchAsync(Batch(3, 4, Upsert(CatalogOf("b", 4, "p2"))), cancellationToken);
        var second = await AdvanceUntilPersistedAsync(edge, 4, cancellationToken);
        var (saved, _) = await new ReplicaFile(edge.DataDirectory).LoadAsync(EdgeApiFixture.EdgeId, cancellationToken);

        // Assert
        Assert.Equal(3, first);
        Assert.Equal(4, second);
        Assert.Equal(["a", "b"], saved?.Snapshot.Creators.Select(static c => c.CreatorId));
        Assert.Empty(edge.ErrorLogs);
    }

    [Theory]
    // A cheap write: the configured interval.
    [InlineData(500, 1, 500)]
    [InlineData(500, 25, 500)]
    // An expensive one (a large replica): 20 times its cost, so writing takes at most ~5% of the time.
    [InlineData(500, 40, 800)]
    [InlineData(20, 5, 100)]
    // Never more than 30 s for the cost, unless the interval itself is longer.
    [InlineData(500, 5_000, 30_000)]
    [InlineData(60_000, 5_000, 60_000)]
    public void NextPause_LastWriteCost_AtLeastTheIntervalAndTwentyTimesTheCost(int intervalMs, int writeMs, int expectedMs)
    {
        // Act
        var pause = ReplicaPersistence.NextPause(TimeSpan.FromMilliseconds(intervalMs), TimeSpan.FromMilliseconds(writeMs));

        // Assert
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), pause);
    }

    /// <summary>
    /// Moves the fake clock on in small steps until the loop has written <paramref name="revision"/>
    /// (the loop's delay may start after any step, so one big step could come too early).
    /// </summary>
    private static async Task<long?> AdvanceUntilPersistedAsync(EdgeApiFixture edge, long revision, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (edge.SyncState.PersistedRevision != revision && !deadline.IsCancellationRequested)
        {
            edge.Time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(10, cancellationToken);
        }

        return edge.SyncState.PersistedRevision;
    }

    /// <summary>Error logs other than the health check service's report of the failing readiness check (event 103).</summary>
    private static IEnumerable<string> UnexpectedErrors(EdgeApiFixture edge)
        => edge.ErrorLogs.Where(static e => !e.StartsWith("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService [103 ", StringComparison.Ordinal));

    private static ReplicaPersistence Persistence(EdgeApiFixture edge)
        => edge.Services.GetServices<IHostedService>().OfType<ReplicaPersistence>().Single();

    private static async Task<JsonElement> StatusAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync("/v1/edge/status", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
    }

    private static PersistedReplica Persisted(string edgeId, long revision, params CreatorCatalog[] catalogs)
        => new() { EdgeId = edgeId, ClusterId = "cluster-1", Snapshot = Snapshot(revision, catalogs) };
}
