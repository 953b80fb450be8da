using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Sync;
using EdgeCommerce.Origin.Tests.Infrastructure;

namespace EdgeCommerce.Origin.Tests.Sync;

/// <summary>The change log read once per revision for every stream, over a real SQLite store.</summary>
public sealed class ChangeFeedTests
{
    [Fact(Timeout = 30_000)]
    public async Task ReadAfterAsync_SixteenStreamsAfterOneWrite_ReadsTheStoreOnceAndSharesTheBatch()
    {
        // Arrange: what every stream does after a write: ask, all at once, for what follows the
        // revision it sent last. Would catch a feed that reads (or parses) once per stream again.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        var before = await store.PutAsync("creator-a", "v1", cancellationToken);
        var written = await store.PutAsync("creator-a", "v2", cancellationToken);
        var feed = new ChangeFeed(store.Store);

        // Act
        var reads = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => feed.ReadAfterAsync(before, 256, cancellationToken), cancellationToken)));

        // Assert
        Assert.Equal(1, feed.StoreReads);
        Assert.All(reads, read => Assert.Same(reads[0].Batch, read.Batch));
        var batch = reads[0].Batch!;
        Assert.Equal(before, batch.PreviousRevision);
        Assert.Equal(written, batch.Revision);
        var change = Assert.Single(batch.Changes);
        Assert.Equal(TestOriginStore.Catalog("creator-a", written, "v2"), change.CatalogUpserted);
    }

    [Fact(Timeout = 30_000)]
    public async Task ReadAfterAsync_NothingNewThenAWrite_SeesTheWrite()
    {
        // Arrange: an empty answer must never be kept, or a stream would sleep through the next write.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        var head = await store.PutAsync("creator-a", "v1", cancellationToken);
        var feed = new ChangeFeed(store.Store);
        var empty = await feed.ReadAfterAsync(head, 256, cancellationToken);

        // Act
        var written = await store.PutAsync("creator-b", "v1", cancellationToken);
        var next = await feed.ReadAfterAsync(head, 256, cancellationToken);

        // Assert
        Assert.Empty(empty.Records);
        Assert.Null(empty.Batch);
        Assert.Equal(written, Assert.Single(next.Records).Revision);
        Assert.Equal(2, feed.StoreReads);
    }

    [Fact(Timeout = 30_000)]
    public async Task ReadAfterAsync_LogCompactedPastTheRevision_ReadsAgainInsteadOfSharingTheGap()
    {
        // Arrange: a read that does not start right after the revision asked is the stream's cue to
        // send a snapshot; it is not kept, so after compaction moves on each ask sees the log as it is.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        for (var i = 1; i <= 4; i++)
        {
            await store.PutAsync("creator-" + i, "v1", cancellationToken);
        }

        await store.Store.CompactAsync(2, cancellationToken);
        var feed = new ChangeFeed(store.Store);

        // Act
        var first = await feed.ReadAfterAsync(1, 256, cancellationToken);
        await store.Store.CompactAsync(3, cancellationToken);
        var second = await feed.ReadAfterAsync(1, 256, cancellationToken);

        // Assert
        Assert.Equal([3L, 4L], first.Records.Select(static r => r.Revision));
        Assert.Equal([4L], second.Records.Select(static r => r.Revision));
        Assert.Equal(2, feed.StoreReads);
    }

    [Fact(Timeout = 30_000)]
    public async Task ReadAfterAsync_FirstAskerHangsUp_OthersStillGetTheRead()
    {
        // Arrange: the shared read must not run on the first stream's token.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        var written = await store.PutAsync("creator-a", "v1", cancellationToken);
        var feed = new ChangeFeed(store.Store);
        using var hungUp = new CancellationTokenSource();
        await hungUp.CancelAsync();

        // Act
        var first = await Record.ExceptionAsync(() => feed.ReadAfterAsync(0, 256, hungUp.Token));
        var second = await feed.ReadAfterAsync(0, 256, cancellationToken);

        // Assert
        Assert.IsAssignableFrom<OperationCanceledException>(first);
        Assert.Equal(written, Assert.Single(second.Records).Revision);
        Assert.Equal(WatchResponse.KindOneofCase.Changes, new WatchResponse { Changes = second.Batch }.KindCase);
        Assert.Equal(1, feed.StoreReads);
    }
}
