using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Sync;
using EdgeCommerce.Origin.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCommerce.Origin.Tests.Sync;

/// <summary>
/// The send loop without a server: a real SQLite store on a fake clock (so no heartbeat comes
/// unless a test moves it) and a response stream that keeps what was written.
/// </summary>
public sealed class SyncSessionTests
{
    private const string Cluster = "cluster-a";

    [Theory]
    // from_revision 0: always a snapshot, whatever else the hello says.
    [InlineData(0L, "", 0L, 0L, "nothing")]
    [InlineData(0L, Cluster, 10L, 0L, "nothing")]
    [InlineData(0L, "cluster-b", 10L, 5L, "nothing")]
    // Another cluster's revisions mean nothing here, even when they look continuable.
    [InlineData(5L, "cluster-b", 10L, 0L, "cluster")]
    [InlineData(10L, "cluster-b", 10L, 0L, "cluster")]
    [InlineData(11L, "cluster-b", 10L, 0L, "cluster")]
    // Ahead of the head: the origin was restored from an older backup.
    [InlineData(11L, Cluster, 10L, 0L, "ahead")]
    [InlineData(11L, "", 10L, 0L, "ahead")]
    // Below the compacted horizon: the records it needs are gone.
    [InlineData(4L, Cluster, 10L, 5L, "compacted")]
    [InlineData(1L, "", 10L, 10L, "compacted")]
    // Continuable: the next record it needs still exists (or it is at the head).
    [InlineData(5L, Cluster, 10L, 0L, null)]
    [InlineData(5L, "", 10L, 0L, null)]
    [InlineData(10L, Cluster, 10L, 0L, null)]
    [InlineData(5L, Cluster, 10L, 5L, null)]
    [InlineData(10L, Cluster, 10L, 10L, null)]
    public void SnapshotReason_Hello_ExpectedReason(long fromRevision, string helloClusterId, long head, long compacted, string? expected)
    {
        // Arrange
        var hello = new WatchRequest { EdgeId = "edge-1", FromRevision = fromRevision, ClusterId = helloClusterId, ProtocolVersion = 2 };

        // Act
        var reason = SyncSession.SnapshotReason(hello, head, compacted, Cluster);

        // Assert
        if (expected is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.NotNull(reason);
            Assert.Contains(expected, reason, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_Version2FromZero_SendsChunksBoundedBySnapshotChunkBytes()
    {
        // Arrange: each catalog is a few hundred bytes, so 1 KiB chunks hold a few each.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        for (var i = 0; i < 20; i++)
        {
            await store.PutAsync($"creator-{i:D2}", "Product " + new string('x', 100 + (i * 7)), cancellationToken);
        }

        var options = new SyncOptions { SnapshotChunkBytes = 1024 };
        var writer = new ChannelStreamWriter<WatchResponse>();
        var session = NewSession(store, writer, options, new WatchRequest { EdgeId = "edge-1", ProtocolVersion = 2 });

        // Act
        await using var run = Run(session);
        var heartbeat = await writer.NextAsync(cancellationToken);
        var begin = await writer.NextAsync(cancellationToken);
        var chunks = new List<SnapshotChunk>();
        WatchResponse next;
        while ((next = await writer.NextAsync(cancellationToken)).KindCase == WatchResponse.KindOneofCase.SnapshotChunk)
        {
            chunks.Add(next.SnapshotChunk);
        }

        // Assert
        Assert.Equal(20, heartbeat.Heartbeat.HeadRevision);
        Assert.Equal(store.Store.ClusterId, heartbeat.Heartbeat.ClusterId);
        Assert.Equal(new SnapshotBegin { Revision = 20, Creators = 20 }, begin.SnapshotBegin);
        Assert.Equal(new SnapshotEnd { Revision = 20, Creators = 20 }, next.SnapshotEnd);
        Assert.True(chunks.Count >= 3, $"{chunks.Count} chunks");
        Assert.Equal(Enumerable.Range(0, 20).Select(static i => $"creator-{i:D2}"), chunks.SelectMany(static c => c.Creators).Select(static c => c.CreatorId));
        foreach (var chunk in chunks.SkipLast(1))
        {
            // Sent as soon as it reached the bound, not one catalog later.
            var sizes = chunk.Creators.Select(static c => c.CalculateSize()).ToArray();
            Assert.True(sizes.Sum() >= options.SnapshotChunkBytes, $"a chunk of {sizes.Sum()} bytes was sent early");
            Assert.True(sizes.Sum() - sizes[^1] < options.SnapshotChunkBytes, $"a chunk of {sizes.Sum()} bytes was sent late");
        }

        Assert.NotEmpty(chunks[^1].Creators);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_Version2EmptyStore_SendsEmptySnapshotWithoutChunks()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        var writer = new ChannelStreamWriter<WatchResponse>();
        var session = NewSession(store, writer, new SyncOptions(), new WatchRequest { EdgeId = "edge-1", ProtocolVersion = 2 });

        // Act
        await using var run = Run(session);
        var heartbeat = await writer.NextAsync(cancellationToken);
        var begin = await writer.NextAsync(cancellationToken);
        var end = await writer.NextAsync(cancellationToken);

        // Assert
        Assert.Equal(0, heartbeat.Heartbeat.HeadRevision);
        Assert.Equal(new SnapshotBegin { Revision = 0, Creators = 0 }, begin.SnapshotBegin);
        Assert.Equal(new SnapshotEnd { Revision = 0, Creators = 0 }, end.SnapshotEnd);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_Version1FromZero_SendsOneWholeSnapshotAndCountsItAsApplied()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        for (var i = 0; i < 10; i++)
        {
            await store.PutAsync($"creator-{i}", new string('y', 300), cancellationToken);
        }

        var writer = new ChannelStreamWriter<WatchResponse>();
        var registry = new EdgeRegistry(store.Time);
        var session = NewSession(store, writer, new SyncOptions { SnapshotChunkBytes = 1024 }, new WatchRequest { EdgeId = "edge-1", ProtocolVersion = 1 }, registry);

        // Act
        await using var run = Run(session);
        await writer.NextAsync(cancellationToken);
        var snapshot = await writer.NextAsync(cancellationToken);

        // Assert: version 1 does not acknowledge, so what was sent counts as applied.
        Assert.Equal(WatchResponse.KindOneofCase.Snapshot, snapshot.KindCase);
        Assert.Equal(10, snapshot.Snapshot.Revision);
        Assert.Equal(10, snapshot.Snapshot.Creators.Count);
        Assert.Equal(10, Assert.Single(registry.Local()).AppliedRevision);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(4L)]
    [InlineData(5L)]
    public async Task RunAsync_CompactionOvertakesTheStream_SendsSnapshotThenContinues(long horizon)
    {
        // Arrange: the edge resumes from 2; between the session's checks and its first read of the
        // log, compaction removes 3 and 4 (and with horizon 5, every record up to the head).
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        for (var i = 1; i <= 5; i++)
        {
            await store.PutAsync("creator-" + i, "v1", cancellationToken);
        }

        var writer = new ChannelStreamWriter<WatchResponse>();
        var compacting = new CompactingStore(store.Store, horizon);
        var hello = new WatchRequest { EdgeId = "edge-1", FromRevision = 2, ClusterId = store.Store.ClusterId, ProtocolVersion = 2 };
        var session = NewSession(store, writer, new SyncOptions(), hello, storeOverride: compacting);

        // Act
        await using var run = Run(session);
        var heartbeat = await writer.NextAsync(cancellationToken);
        var begin = await writer.NextAsync(cancellationToken);
        var chunk = await writer.NextAsync(cancellationToken);
        var end = await writer.NextAsync(cancellationToken);
        var written = await store.PutAsync("creator-6", "v1", cancellationToken);
        var batch = await writer.NextAsync(cancellationToken);

        // Assert
        Assert.Equal(5, heartbeat.Heartbeat.HeadRevision);
        Assert.Equal(new SnapshotBegin { Revision = 5, Creators = 5 }, begin.SnapshotBegin);
        Assert.Equal(5, chunk.SnapshotChunk.Creators.Count);
        Assert.Equal(new SnapshotEnd { Revision = 5, Creators = 5 }, end.SnapshotEnd);
        Assert.Equal(WatchResponse.KindOneofCase.Changes, batch.KindCase);
        Assert.Equal(5, batch.Changes.PreviousRevision);
        Assert.Equal(written, Assert.Single(batch.Changes.Changes).Revision);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_WritesWhileConnected_ReadsTheLogOncePerWrite()
    {
        // Arrange: an edge at the head; no heartbeat interval passes (fake clock). Would catch a
        // stream that goes back to the store after every batch to find nothing: with 16 edges that
        // was 16 empty reads and 16 compaction checks per write (perf/RESULTS.md, "propagation:
        // where the origin's CPU per write went").
        const int Writes = 10;
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        var head = await store.PutAsync("creator-a", "v0", cancellationToken);
        var writer = new ChannelStreamWriter<WatchResponse>();
        var feed = new ChangeFeed(store.Store);
        var hello = new WatchRequest { EdgeId = "edge-1", FromRevision = head, ClusterId = store.Store.ClusterId, ProtocolVersion = 2 };
        var session = NewSession(store, writer, new SyncOptions(), hello, feed: feed);

        // Act
        await using var run = Run(session);
        var heartbeat = await writer.NextAsync(cancellationToken);
        var sent = new List<long>();
        for (var i = 1; i <= Writes; i++)
        {
            var written = await store.PutAsync("creator-a", "v" + i, cancellationToken);
            while (sent.Count == 0 || sent[^1] < written)
            {
                var batch = (await writer.NextAsync(cancellationToken)).Changes;
                sent.AddRange(batch.Changes.Select(static c => c.Revision));
            }
        }

        // Assert: every write arrived once and in order; the log was read once on connecting and
        // at most once per write after that (two writes may share a read).
        Assert.Equal(head, heartbeat.Heartbeat.HeadRevision);
        Assert.Equal(Enumerable.Range(1, Writes).Select(i => head + i), sent);
        Assert.InRange(feed.StoreReads, 2, 1 + Writes);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_WriteNotSignalled_IsSentAfterTheHeartbeatInterval()
    {
        // Arrange: the session listens to a signal nobody publishes: a write made through another
        // origin replica whose notification was lost. Would catch a stream that only ever reads the
        // log when signalled.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        var head = await store.PutAsync("creator-a", "v0", cancellationToken);
        var writer = new ChannelStreamWriter<WatchResponse>();
        var options = new SyncOptions();
        var hello = new WatchRequest { EdgeId = "edge-1", FromRevision = head, ClusterId = store.Store.ClusterId, ProtocolVersion = 2 };
        var session = NewSession(store, writer, options, hello, signal: new RevisionSignal());
        await using var run = Run(session);
        await writer.NextAsync(cancellationToken);

        // Act: write, then let heartbeat intervals pass until the batch comes (the clock is moved
        // again while none arrives: the session may not have started its wait when it first moves).
        var written = await store.PutAsync("creator-a", "v1", cancellationToken);
        ChangeBatch? batch = null;
        while (batch is null)
        {
            store.Time.Advance(options.HeartbeatInterval);
            using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            poll.CancelAfter(TimeSpan.FromMilliseconds(100));
            try
            {
                while (batch is null)
                {
                    var next = await writer.NextAsync(poll.Token);
                    batch = next.KindCase == WatchResponse.KindOneofCase.Changes ? next.Changes : null;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }

        // Assert
        Assert.Equal(head, batch.PreviousRevision);
        Assert.Equal(written, Assert.Single(batch.Changes).Revision);
    }

    private static SyncSession NewSession(
        TestOriginStore store,
        ChannelStreamWriter<WatchResponse> writer,
        SyncOptions options,
        WatchRequest hello,
        EdgeRegistry? registry = null,
        IOriginStore? storeOverride = null,
        ChangeFeed? feed = null,
        RevisionSignal? signal = null)
    {
        registry ??= new EdgeRegistry(store.Time);
        var token = registry.OnConnected(hello.EdgeId, hello.Region, hello.PublicUrl, (int)hello.ProtocolVersion, hello.FromRevision);
        var sessionStore = storeOverride ?? store.Store;
        return new SyncSession(sessionStore, feed ?? new ChangeFeed(sessionStore), signal ?? store.Signal, registry, options, store.Time, NullLogger.Instance, hello, token, writer, tokenRenewal: null);
    }

    private static RunningSession Run(SyncSession session) => new(session);

    /// <summary>A session running until disposed, as a stream runs until the edge hangs up.</summary>
    private sealed class RunningSession : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        private readonly Task _run;

        public RunningSession(SyncSession session) => _run = session.RunAsync(_stop.Token);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _run;
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }
    }
}
