using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Sync;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static EdgeCommerce.Origin.Tests.CatalogAdmin.CatalogSamples;
using static EdgeCommerce.Origin.Tests.Sync.OriginSyncClient;

namespace EdgeCommerce.Origin.Tests.Sync;

/// <summary>
/// Protocol 2 (<c>Sync</c>) over TestServer: hello, heartbeat with the cluster id, chunked
/// snapshots, chained batches, and acknowledgements as the edge registry shows them. The host's
/// clock is fake, so no heartbeat comes unless a test moves it. Edge ids are unique per test: the
/// registry outlives streams.
/// </summary>
public sealed class CatalogSyncServiceV2Tests(OriginApiFixture fixture) : IClassFixture<OriginApiFixture>, IDisposable
{
    private readonly OriginSyncClient _client = new(fixture);
    private readonly int _errorLogsBefore = fixture.ErrorLogs.Count;

    public void Dispose()
    {
        _client.Dispose();
        Assert.Empty(fixture.ErrorLogs.Skip(_errorLogsBefore));
    }

    // Timeouts only guard against a hung stream (a missing message would otherwise wait forever); no test measures time.
    [Fact(Timeout = 30_000)]
    public async Task Sync_NewEdge_SendsHeartbeatWithClusterIdThenChunkedSnapshotThenChainedBatches()
    {
        // Arrange: enough creators that 1 KiB chunks (OriginApiFixture.SnapshotChunkBytes) need several.
        var cancellationToken = TestContext.Current.CancellationToken;
        var creators = Enumerable.Range(0, 16).Select(static _ => NewId("creator")).ToList();
        foreach (var creator in creators)
        {
            await _client.PutAsync(creator, ValidCatalog("Hoodie of " + creator), cancellationToken);
        }

        var head = await fixture.GetHeadRevisionAsync();
        var creatorCount = (await fixture.Store.ListCreatorsAsync(cancellationToken)).Count;

        // Act
        using var call = await _client.SyncAsync(Hello(NewId("edge")), cancellationToken);
        var heartbeat = await NextAsync(call, cancellationToken);
        var (begin, chunks, end) = await ReadSnapshotAsync(call, cancellationToken);
        var written = new List<long>
        {
            await _client.PutAsync(creators[0], ValidCatalog("v2"), cancellationToken),
            await _client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken),
            await _client.DeleteAsync(creators[1], cancellationToken),
            await _client.PutAsync(creators[2], ValidCatalog("v2"), cancellationToken),
        };
        var batches = await ReadBatchesAsync(call, end.Revision, written[^1], cancellationToken);

        // Assert
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, heartbeat.KindCase);
        Assert.Equal(head, heartbeat.Heartbeat.HeadRevision);
        Assert.NotEmpty(heartbeat.Heartbeat.ClusterId);
        Assert.Equal(fixture.Store.ClusterId, heartbeat.Heartbeat.ClusterId);

        Assert.Equal(head, begin.Revision);
        Assert.Equal(head, end.Revision);
        Assert.Equal(creatorCount, begin.Creators);
        Assert.Equal(creatorCount, end.Creators);
        Assert.True(chunks.Count >= 2, $"{chunks.Count} chunks");
        Assert.All(chunks, static chunk => Assert.NotEmpty(chunk.Creators));
        var sent = chunks.SelectMany(static c => c.Creators).ToList();
        Assert.Equal(creatorCount, sent.Count);
        Assert.Equal(sent.Count, sent.Select(static c => c.CreatorId).Distinct().Count());
        Assert.Subset(sent.Select(static c => c.CreatorId).ToHashSet(), creators.ToHashSet());
        Assert.All(chunks.SkipLast(1), static chunk => Assert.True(chunk.Creators.Sum(static c => c.CalculateSize()) >= OriginApiFixture.SnapshotChunkBytes));

        Assert.Equal(written, batches.SelectMany(static b => b.Changes).Select(static c => c.Revision));
        Assert.Equal(head, batches[0].PreviousRevision);
        Assert.Equal(creators[1], batches.SelectMany(static b => b.Changes).Single(static c => c.KindCase == Change.KindOneofCase.CreatorDeleted).CreatorDeleted.CreatorId);
    }

    [Fact(Timeout = 30_000)]
    public async Task Sync_Acks_UpdateAppliedRevisionLagAndLinkStateInTheRegistry()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var edgeId = NewId("edge");
        var creator = NewId("creator");
        await _client.PutAsync(creator, ValidCatalog(), cancellationToken);
        using var call = await _client.SyncAsync(Hello(edgeId), cancellationToken);
        await NextAsync(call, cancellationToken);
        var (_, _, end) = await ReadSnapshotAsync(call, cancellationToken);

        // Act
        var beforeAck = (await _client.GetEdgeAsync(edgeId, cancellationToken))!.Value;
        await AckAsync(call, end.Revision, cancellationToken);
        var afterAck = await _client.WaitForEdgeAsync(edgeId, e => Applied(e) == end.Revision, cancellationToken);

        var revision = await _client.PutAsync(creator, ValidCatalog("v2"), cancellationToken);
        await ReadBatchesAsync(call, end.Revision, revision, cancellationToken);
        fixture.TimeProvider.Advance(TimeSpan.FromSeconds(3));
        var behind = (await _client.GetEdgeAsync(edgeId, cancellationToken))!.Value;
        await AckAsync(call, revision, cancellationToken);
        var caughtUp = await _client.WaitForEdgeAsync(edgeId, e => Applied(e) == revision, cancellationToken);

        call.Dispose();
        var gone = await _client.WaitForEdgeAsync(edgeId, static e => !e.GetProperty("connected").GetBoolean(), cancellationToken);

        // Assert
        Assert.Equal(0, Applied(beforeAck));
        Assert.Equal(end.Revision, beforeAck.GetProperty("lagRevisions").GetInt64());
        Assert.Equal(2, beforeAck.GetProperty("protocolVersion").GetInt32());
        Assert.True(beforeAck.GetProperty("connected").GetBoolean());
        Assert.Equal("eu-west", beforeAck.GetProperty("region").GetString());
        Assert.Equal($"https://{edgeId}.example.com", beforeAck.GetProperty("url").GetString());

        Assert.Equal(0, afterAck.GetProperty("lagRevisions").GetInt64());
        Assert.Equal(0, afterAck.GetProperty("lagSeconds").GetDouble());
        Assert.True(afterAck.GetProperty("connected").GetBoolean());
        Assert.True(afterAck.GetProperty("healthy").GetBoolean());

        Assert.Equal(end.Revision, Applied(behind));
        Assert.Equal(1, behind.GetProperty("lagRevisions").GetInt64());
        Assert.Equal(3, behind.GetProperty("lagSeconds").GetDouble());
        Assert.True(behind.GetProperty("connected").GetBoolean());

        Assert.Equal(0, caughtUp.GetProperty("lagRevisions").GetInt64());
        Assert.Equal(2, caughtUp.GetProperty("protocolVersion").GetInt32());

        Assert.Equal(revision, Applied(gone));
        Assert.False(gone.GetProperty("healthy").GetBoolean());
        Assert.Equal(JsonValueKind.Null, gone.GetProperty("lastRejection").ValueKind);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(60, 60)]
    [InlineData(600, 512)]
    public async Task Sync_RejectionAck_ShowsAsLastRejection(int reasonLength, int shownLength)
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var edgeId = NewId("edge");
        var creator = NewId("creator");
        var head = await _client.PutAsync(creator, ValidCatalog(), cancellationToken);
        using var call = await _client.SyncAsync(Hello(edgeId, head, fixture.Store.ClusterId), cancellationToken);
        await NextAsync(call, cancellationToken);
        var revision = await _client.PutAsync(creator, ValidCatalog("v2"), cancellationToken);
        await ReadBatchesAsync(call, head, revision, cancellationToken);
        var reason = ("The batch follows revision 1, but this replica holds 2." + new string('.', reasonLength))[..reasonLength];

        // Act
        await AckAsync(call, head, cancellationToken, new Rejection { Revision = revision, Reason = reason });
        var edge = await _client.WaitForEdgeAsync(edgeId, static e => e.GetProperty("lastRejection").ValueKind == JsonValueKind.String, cancellationToken);

        // Assert
        Assert.Equal(reason[..shownLength], edge.GetProperty("lastRejection").GetString());
        Assert.Equal(head, Applied(edge));
        Assert.Equal(1, edge.GetProperty("lagRevisions").GetInt64());
        Assert.True(edge.GetProperty("connected").GetBoolean());
    }

    [Fact(Timeout = 30_000)]
    public async Task Sync_NackThenHalfClose_RecordsTheRejectionAndEndsTheStream()
    {
        // Arrange: what an edge does with a batch it refuses.
        var cancellationToken = TestContext.Current.CancellationToken;
        var edgeId = NewId("edge");
        var creator = NewId("creator");
        var head = await _client.PutAsync(creator, ValidCatalog(), cancellationToken);
        using var call = await _client.SyncAsync(Hello(edgeId, head, fixture.Store.ClusterId), cancellationToken);
        await NextAsync(call, cancellationToken);
        var revision = await _client.PutAsync(creator, ValidCatalog("v2"), cancellationToken);
        await ReadBatchesAsync(call, head, revision, cancellationToken);

        // Act
        await AckAsync(call, head, cancellationToken, new Rejection { Revision = revision, Reason = "refused" });
        await call.RequestStream.CompleteAsync();
        var more = await call.ResponseStream.MoveNext(cancellationToken);
        var edge = await _client.WaitForEdgeAsync(edgeId, static e => !e.GetProperty("connected").GetBoolean(), cancellationToken);

        // Assert: the stream ends cleanly, so the edge reconnects from the revision it holds.
        Assert.False(more);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("refused", edge.GetProperty("lastRejection").GetString());
        Assert.Equal(head, Applied(edge));
    }

    [Fact(Timeout = 30_000)]
    public async Task Sync_FirstMessageIsAnAck_FailsWithInvalidArgument()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var call = _client.Grpc.Sync(_client.AuthorizationFor("edge-no-hello"), cancellationToken: cancellationToken);

        // Act
        await AckAsync(call, 1, cancellationToken);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancellationToken));

        // Assert
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task Sync_StreamClosedWithoutHello_FailsWithInvalidArgument()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var call = _client.Grpc.Sync(_client.AuthorizationFor("edge-no-hello"), cancellationToken: cancellationToken);

        // Act
        await call.RequestStream.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancellationToken));

        // Assert
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("bad id", 0L, "")]
    [InlineData("", 0L, "")]
    [InlineData("edge-1", -1L, "")]
    [InlineData("edge-1", 0L, "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc")]
    public async Task Sync_InvalidHello_FailsWithInvalidArgument(string edgeId, long fromRevision, string clusterId)
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;

        // Act
        using var call = await _client.SyncAsync(new WatchRequest { EdgeId = edgeId, FromRevision = fromRevision, ClusterId = clusterId, ProtocolVersion = 2 }, cancellationToken);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancellationToken));

        // Assert
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(3u)]
    public async Task Sync_ProtocolVersionOtherThan2_FailsWithFailedPrecondition(uint protocolVersion)
    {
        // Arrange: 0 and 1 belong on Watch; 3 is newer than this origin.
        var cancellationToken = TestContext.Current.CancellationToken;

        // Act
        using var call = await _client.SyncAsync(Hello(NewId("edge"), protocolVersion: protocolVersion), cancellationToken);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancellationToken));

        // Assert
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task Watch_ProtocolVersion2_FailsWithFailedPreconditionPointingToSync()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;

        // Act
        var edgeId = NewId("edge");
        using var call = _client.Grpc.Watch(Hello(edgeId, protocolVersion: 2), _client.AuthorizationFor(edgeId), cancellationToken: cancellationToken);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancellationToken));

        // Assert
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("Sync", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Sync_HelloFromAnotherCluster_GetsSnapshotAtHeadThenBatches()
    {
        // Arrange: the edge holds a revision this origin has, but of another cluster's history.
        var cancellationToken = TestContext.Current.CancellationToken;
        var creator = NewId("creator");
        var head = await _client.PutAsync(creator, ValidCatalog(), cancellationToken);

        // Act
        using var call = await _client.SyncAsync(Hello(NewId("edge"), fromRevision: head, clusterId: "another-cluster"), cancellationToken);
        var heartbeat = await NextAsync(call, cancellationToken);
        var (begin, chunks, end) = await ReadSnapshotAsync(call, cancellationToken);
        var revision = await _client.PutAsync(creator, ValidCatalog("v2"), cancellationToken);
        var batch = Assert.Single(await ReadBatchesAsync(call, end.Revision, revision, cancellationToken));

        // Assert
        Assert.Equal(fixture.Store.ClusterId, heartbeat.Heartbeat.ClusterId);
        Assert.Equal(head, begin.Revision);
        Assert.Equal(head, end.Revision);
        Assert.Contains(chunks.SelectMany(static c => c.Creators), c => c.CreatorId == creator);
        Assert.Equal(head, batch.PreviousRevision);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sync_HelloAtHeadFromThisClusterOrNone_GetsOnlyLaterBatches(bool sendClusterId)
    {
        // Arrange: an empty cluster id is an edge that never learned one (it came from a version 1 origin).
        var cancellationToken = TestContext.Current.CancellationToken;
        var creator = NewId("creator");
        var head = await _client.PutAsync(creator, ValidCatalog(), cancellationToken);

        // Act
        using var call = await _client.SyncAsync(Hello(NewId("edge"), fromRevision: head, clusterId: sendClusterId ? fixture.Store.ClusterId : ""), cancellationToken);
        var heartbeat = await NextAsync(call, cancellationToken);
        var revision = await _client.PutAsync(creator, ValidCatalog("v2"), cancellationToken);
        var next = await NextAsync(call, cancellationToken);

        // Assert
        Assert.Equal(head, heartbeat.Heartbeat.HeadRevision);
        Assert.Equal(WatchResponse.KindOneofCase.Changes, next.KindCase);
        Assert.Equal(head, next.Changes.PreviousRevision);
        Assert.Equal(revision, next.Changes.Revision);
    }

    [Fact(Timeout = 30_000)]
    public async Task Sync_SecondHello_EndsTheStreamWithInvalidArgumentAndMarksTheEdgeDisconnected()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var edgeId = NewId("edge");
        var head = await _client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken);
        using var call = await _client.SyncAsync(Hello(edgeId, head, fixture.Store.ClusterId), cancellationToken);
        await NextAsync(call, cancellationToken);

        // Act
        await call.RequestStream.WriteAsync(new EdgeMessage { Hello = Hello(edgeId, head) }, cancellationToken);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancellationToken));
        var edge = await _client.WaitForEdgeAsync(edgeId, static e => !e.GetProperty("connected").GetBoolean(), cancellationToken);

        // Assert: a protocol violation is not a clean end; the hello's revision was never acknowledged.
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(0, Applied(edge));
    }

    [Theory(Timeout = 30_000)]
    [InlineData(2L, true)]
    [InlineData(3L, false)]
    public async Task Sync_FromRevisionAgainstCompactedLog_SnapshotOnlyBelowTheHorizon(long fromRevision, bool snapshot)
    {
        // Arrange: a host of its own, since compaction changes what every later stream gets.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = new OriginApiFixture();
        await origin.InitializeAsync();
        using var client = new OriginSyncClient(origin);
        // The admin client's token created the first signing key: a revision of its own.
        var b0 = await origin.GetHeadRevisionAsync();
        fromRevision += b0;
        var creator = NewId("creator");
        for (var i = 1; i <= 5; i++)
        {
            await client.PutAsync(creator, ValidCatalog("v" + i), cancellationToken);
        }

        var compactor = new ChangeLogCompactor(origin.Store, Options.Create(new SyncOptions { CompactionKeepChanges = 2 }), origin.TimeProvider, NullLogger<ChangeLogCompactor>.Instance);
        var horizon = await compactor.CompactOnceAsync(cancellationToken);

        // Act
        using var call = await client.SyncAsync(Hello(NewId("edge"), fromRevision, origin.Store.ClusterId), cancellationToken);
        var heartbeat = await NextAsync(call, cancellationToken);
        var resumedFrom = fromRevision;
        SnapshotBegin? begin = null;
        if (snapshot)
        {
            var (b, chunks, end) = await ReadSnapshotAsync(call, cancellationToken);
            begin = b;
            Assert.Equal("v5", Assert.Single(chunks.SelectMany(static c => c.Creators), c => c.CreatorId == creator).Products[0].Title);
            resumedFrom = end.Revision;
        }

        var revision = await client.PutAsync(creator, ValidCatalog("v6"), cancellationToken);
        var changes = (await ReadBatchesAsync(call, resumedFrom, revision, cancellationToken)).SelectMany(static b => b.Changes).ToList();

        // Assert
        Assert.Equal(b0 + 3, horizon);
        Assert.Equal(b0 + 3, await origin.Store.GetCompactedRevisionAsync(cancellationToken));
        Assert.Equal(b0 + 5, heartbeat.Heartbeat.HeadRevision);
        Assert.Equal(snapshot ? b0 + 5 : null, begin?.Revision);
        Assert.Equal(snapshot ? [b0 + 6] : [b0 + 4, b0 + 5, b0 + 6], changes.Select(static c => c.Revision));
        Assert.Empty(origin.ErrorLogs);
    }

    private static long Applied(JsonElement edge) => edge.GetProperty("appliedRevision").GetInt64();
}
