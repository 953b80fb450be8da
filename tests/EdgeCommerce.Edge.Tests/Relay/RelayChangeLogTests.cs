using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Relay;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Tests.Relay;

/// <summary>The relay's bounded log of applied batches, from which downstream edges resume.</summary>
public sealed class RelayChangeLogTests
{
    [Fact]
    public void ReadAfter_ChainedBatches_ReturnsThemInOrderEncodedOnceForEveryStream()
    {
        // Arrange: would catch a log that serializes per downstream stream again, or reorders.
        var log = new RelayChangeLog(Options.Create(new RelayOptions()));
        log.Reset(10);
        log.Append(Batch(10, 11, 12));
        log.Append(Batch(12, 13));

        // Act
        var first = log.ReadAfter(10).Batches!;
        var second = log.ReadAfter(10).Batches!;

        // Assert
        Assert.Equal([12L, 13L], first.Select(static r => r.Changes.Revision));
        Assert.All(first, static response => Assert.NotNull(response.EncodedBytes));
        Assert.Same(first[0].EncodedBytes, second[0].EncodedBytes);
        Assert.Equal(new WatchResponse { Changes = Batch(10, 11, 12) }.ToByteArray(), first[0].EncodedBytes);
    }

    [Fact]
    public void ReadAfter_ARevisionInsideABatch_SendsTheRestOfThatBatch()
    {
        // Arrange: an edge that failed over from the origin may hold a revision the relay got inside a batch.
        var log = new RelayChangeLog(Options.Create(new RelayOptions()));
        log.Reset(10);
        log.Append(Batch(10, 11, 12, 13));

        // Act
        var (batches, _) = log.ReadAfter(11);

        // Assert
        var cut = Assert.Single(batches!).Changes;
        Assert.Equal(11, cut.PreviousRevision);
        Assert.Equal([12L, 13L], cut.Changes.Select(static c => c.Revision));
    }

    [Fact]
    public void ReadAfter_OlderThanTheBoundedLog_AsksForASnapshot()
    {
        // Arrange: capacity 2 changes; the oldest batch falls out.
        var log = new RelayChangeLog(Options.Create(new RelayOptions { LogCapacity = 2 }));
        log.Reset(10);
        log.Append(Batch(10, 11));
        log.Append(Batch(11, 12));
        log.Append(Batch(12, 13));

        // Act
        var (tooOld, _) = log.ReadAfter(10);
        var (resumable, _) = log.ReadAfter(11);

        // Assert
        Assert.Null(tooOld);
        Assert.Equal(11, log.Start);
        Assert.Equal([12L, 13L], resumable!.Select(static r => r.Changes.Revision));
    }

    [Fact]
    public void Append_ABatchThatDoesNotFollowTheHead_RestartsTheLog()
    {
        // Arrange: a gap must never be served as if continuous.
        var log = new RelayChangeLog(Options.Create(new RelayOptions()));
        log.Reset(10);
        log.Append(Batch(10, 11));

        // Act
        log.Append(Batch(20, 21));

        // Assert
        Assert.Null(log.ReadAfter(11).Batches);
        Assert.Equal(21, log.Start);
        Assert.Empty(log.ReadAfter(21).Batches!);
    }

    [Fact]
    public async Task ReadAfter_WaitingStream_IsWokenByTheNextAppend()
    {
        // Arrange
        var log = new RelayChangeLog(Options.Create(new RelayOptions()));
        log.Reset(10);
        var (nothing, appended) = log.ReadAfter(10);

        // Act
        log.Append(Batch(10, 11));

        // Assert
        Assert.Empty(nothing!);
        await appended.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Single(log.ReadAfter(10).Batches!);
    }

    [Fact]
    public void ReadAfter_ALongLogAfterManyEvictions_ReturnsExactlyWhatFollows()
    {
        // Arrange: 1,000 batches through a log of 100 changes, so the evicted slots are reclaimed
        // several times; would catch a search that starts or ends one batch off after a compaction.
        var log = new RelayChangeLog(Options.Create(new RelayOptions { LogCapacity = 100 }));
        log.Reset(0);
        for (var revision = 1; revision <= 1000; revision++)
        {
            log.Append(Batch(revision - 1, revision));
        }

        // Act
        var tooOld = log.ReadAfter(899).Batches;
        var fromStart = log.ReadAfter(900).Batches!;
        var lastFifty = log.ReadAfter(950).Batches!;
        var atHead = log.ReadAfter(1000).Batches!;
        var ahead = log.ReadAfter(1200).Batches!;

        // Assert
        Assert.Null(tooOld);
        Assert.Equal(900, log.Start);
        Assert.Equal(Enumerable.Range(901, 100).Select(static r => (long)r), fromStart.Select(static r => r.Changes.Revision));
        Assert.Equal(Enumerable.Range(951, 50).Select(static r => (long)r), lastFifty.Select(static r => r.Changes.Revision));
        Assert.All(lastFifty.Zip(lastFifty.Skip(1)), static pair => Assert.Equal(pair.First.Changes.Revision, pair.Second.Changes.PreviousRevision));
        Assert.Empty(atHead);
        Assert.Empty(ahead);
    }

    private static ChangeBatch Batch(long previous, params long[] revisions)
    {
        var batch = new ChangeBatch { PreviousRevision = previous, Revision = revisions[^1] };
        foreach (var revision in revisions)
        {
            batch.Changes.Add(new Change { Revision = revision, CreatorDeleted = new CreatorDeleted { CreatorId = "creator-" + revision } });
        }

        return batch;
    }
}
