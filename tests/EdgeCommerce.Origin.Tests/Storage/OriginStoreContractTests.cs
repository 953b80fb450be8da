using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.Origin.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>
/// What every <see cref="IOriginStore"/> must guarantee, run against each real store
/// (<see cref="SqliteOriginStoreContractTests"/>, <see cref="Postgres.PostgresOriginStoreContractTests"/>).
/// Each test starts with an empty database of its own. A second store instance over the same
/// database is what a second origin process would open.
/// </summary>
public abstract partial class OriginStoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_start = new(2025, 6, 1, 20, 0, 0, TimeSpan.Zero);

    /// <summary>The clock every store instance of the test writes change times with.</summary>
    protected FakeTimeProvider Time { get; } = new(s_start);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public abstract ValueTask DisposeAsync();

    /// <summary>A new, not yet initialized store instance over this test's database.</summary>
    private protected abstract IOriginStore CreateStore(RevisionSignal signal);

    /// <summary>Closes an instance and its connections, as an origin process exiting would.</summary>
    private protected abstract ValueTask CloseStoreAsync(IOriginStore store);

    /// <summary>Runs statements on this test's database outside any store (to build an older schema).</summary>
    private protected abstract Task ExecuteSqlAsync(string sql);

    /// <summary>The first column of every row of a query on this test's database, as invariant strings.</summary>
    private protected abstract Task<IReadOnlyList<string>> QuerySqlAsync(string sql);

    [Fact]
    public async Task InitializeAsync_NewStore_StartsEmptyAtRevisionZero()
    {
        // Arrange
        var signal = new RevisionSignal();
        var store = CreateStore(signal);

        // Act
        await store.InitializeAsync(CancellationToken);

        // Assert
        Assert.Equal(0, await store.GetHeadRevisionAsync(CancellationToken));
        Assert.Equal(0, await store.GetCompactedRevisionAsync(CancellationToken));
        Assert.Empty(await store.ListCreatorsAsync(CancellationToken));
        Assert.Empty(await store.ReadChangesAsync(0, 100, CancellationToken));
        Assert.Empty(await store.ListEdgesAsync(CancellationToken));
        Assert.Equal(0, signal.Head);
        Assert.Matches("^[0-9a-f]{32}$", store.ClusterId);
    }

    [Fact]
    public async Task PutCatalogAsync_SeveralCreators_RevisionsAreGlobalAndContiguous()
    {
        // Arrange
        var signal = new RevisionSignal();
        var store = await OpenStoreAsync(signal);

        // Act
        var results = new List<CatalogWriteResult>();
        foreach (var (creator, document) in new[] { ("a", "a1"), ("b", "b1"), ("a", "a2"), ("c", "c1"), ("b", "b2") })
        {
            results.Add(await store.PutCatalogAsync(Write(creator, document), CancellationToken));
        }

        // Assert
        Assert.Equal([1L, 2, 3, 4, 5], results.Select(static r => r.Revision));
        Assert.Equal(
            [CatalogWriteOutcome.Created, CatalogWriteOutcome.Created, CatalogWriteOutcome.Updated, CatalogWriteOutcome.Created, CatalogWriteOutcome.Updated],
            results.Select(static r => r.Outcome));
        Assert.Equal(5, await store.GetHeadRevisionAsync(CancellationToken));
        Assert.Equal(5, signal.Head);
        Assert.Equal(
            [new CreatorSummary("a", 3, 1), new CreatorSummary("b", 5, 1), new CreatorSummary("c", 4, 1)],
            await store.ListCreatorsAsync(CancellationToken));
        Assert.Equal(new StoredCatalog("b", 5, "b2"), await store.GetCatalogAsync("b", CancellationToken));
        Assert.Null(await store.GetCatalogAsync("nobody", CancellationToken));
    }

    [Fact]
    public async Task PutCatalogAsync_IdenticalContent_ReturnsUnchangedAndWritesNothing()
    {
        // Arrange
        var signal = new RevisionSignal();
        var store = await OpenStoreAsync(signal);
        await store.PutCatalogAsync(Write("a", "a1"), CancellationToken);
        await store.PutCatalogAsync(Write("b", "b1"), CancellationToken);
        var woken = signal.WaitForRevisionAboveAsync(2);

        // Act
        var result = await store.PutCatalogAsync(Write("a", "a1"), CancellationToken);

        // Assert
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Unchanged, 1), result);
        Assert.Equal(2, await store.GetHeadRevisionAsync(CancellationToken));
        Assert.Equal(2, (await store.ReadChangesAsync(0, 100, CancellationToken)).Count);
        Assert.False(woken.IsCompleted);
    }

    [Fact]
    public async Task ReadChangesAsync_AfterWritesAndDelete_ReturnsRecordsInOrderWithTheirPayloads()
    {
        // Arrange
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(Write("a", "a1"), CancellationToken);
        await store.PutCatalogAsync(Write("b", "b1"), CancellationToken);
        await store.PutCatalogAsync(Write("a", "a2"), CancellationToken);
        await store.DeleteCreatorAsync("b", null, CancellationToken);

        // Act
        var all = await store.ReadChangesAsync(0, 100, CancellationToken);
        var afterTwo = await store.ReadChangesAsync(2, 100, CancellationToken);
        var firstTwo = await store.ReadChangesAsync(0, 2, CancellationToken);

        // Assert
        Assert.Equal(
            [(1L, "a", ChangeKind.CatalogUpserted, "a@1:a1"), (2L, "b", ChangeKind.CatalogUpserted, "b@2:b1"), (3L, "a", ChangeKind.CatalogUpserted, "a@3:a2"), (4L, "b", ChangeKind.CreatorDeleted, "")],
            all.Select(static c => (c.Revision, c.CreatorId, c.Kind, Encoding.UTF8.GetString(c.Payload))));
        Assert.Equal([3L, 4], afterTwo.Select(static c => c.Revision));
        Assert.Equal([1L, 2], firstTwo.Select(static c => c.Revision));
        Assert.Empty(await store.ReadChangesAsync(4, 100, CancellationToken));
    }

    /// <summary>Keys are a revision like any other: state, change record and snapshot agree; private keys stay in the store.</summary>
    [Fact]
    public async Task SaveSigningKeysAsync_NewAndExistingKeys_StampsRevisionAppendsChangeAndSnapshotsTheKeySet()
    {
        // Arrange
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(Write("a", "a1"), CancellationToken);
        var first = new SigningKeyRecord("k1", [1, 2, 3], Time.GetUtcNow(), 0, Time.GetUtcNow(), null, false);

        // Act
        var r1 = await store.SaveSigningKeysAsync([first], Encoding.UTF8.GetBytes("set-1"), CancellationToken);
        var stored = await store.ListSigningKeysAsync(CancellationToken);
        var second = new SigningKeyRecord("k2", [4, 5], Time.GetUtcNow().AddSeconds(1), 0, Time.GetUtcNow().AddSeconds(10), null, false);
        var r2 = await store.SaveSigningKeysAsync([stored[0] with { RetireAt = Time.GetUtcNow().AddHours(1) }, second], Encoding.UTF8.GetBytes("set-2"), CancellationToken);
        var keys = await store.ListSigningKeysAsync(CancellationToken);
        var changes = await store.ReadChangesAsync(1, 10, CancellationToken);
        var snapshot = await store.ReadSnapshotAsync(CancellationToken);

        // Assert
        Assert.Equal([2L, 3L], [r1, r2]);
        Assert.Equal(["k1", "k2"], keys.Select(static k => k.KeyId));
        Assert.Equal([2L, 3L], keys.Select(static k => k.PublishedRevision));
        Assert.Equal([1, 2, 3], keys[0].PrivateKey);
        Assert.NotNull(keys[0].RetireAt);
        Assert.Null(keys[1].RetireAt);
        Assert.Equal([(2L, ChangeKind.KeysChanged, "set-1"), (3L, ChangeKind.KeysChanged, "set-2")],
            changes.Select(static c => (c.Revision, c.Kind, Encoding.UTF8.GetString(c.Payload))));
        Assert.Equal(3, snapshot.Revision);
        Assert.Equal("set-2", Encoding.UTF8.GetString(snapshot.KeySet!));
    }

    [Fact]
    public async Task ReadSnapshotAsync_AfterWrites_ReturnsHeadAndEachCurrentCatalogInOrdinalCreatorOrder()
    {
        // Arrange: "B" sorts before "a" by ordinal (byte) order, after it by most linguistic collations.
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(Write("c", "c1"), CancellationToken);
        await store.PutCatalogAsync(Write("a", "a1"), CancellationToken);
        await store.PutCatalogAsync(Write("b", "b1"), CancellationToken);
        await store.PutCatalogAsync(Write("a", "a2"), CancellationToken);
        await store.PutCatalogAsync(Write("B", "B1"), CancellationToken);
        await store.DeleteCreatorAsync("c", null, CancellationToken);

        // Act
        var snapshot = await store.ReadSnapshotAsync(CancellationToken);

        // Assert
        Assert.Equal(6, snapshot.Revision);
        Assert.Equal(["B@5:B1", "a@4:a2", "b@3:b1"], snapshot.Catalogs.Select(static p => Encoding.UTF8.GetString(p)));
        Assert.Equal(["B", "a", "b"], (await store.ListCreatorsAsync(CancellationToken)).Select(static c => c.Id));
    }

    [Fact]
    public async Task OpenSnapshotAsync_WritesWhileStreaming_StreamsTheStateAtItsRevision()
    {
        // Arrange
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(Write("a", "a1"), CancellationToken);
        await store.PutCatalogAsync(Write("b", "b1"), CancellationToken);
        await store.PutCatalogAsync(Write("c", "c1"), CancellationToken);

        // Act: the snapshot is open and half read while other writes commit.
        var streamed = new List<string>();
        int creatorCount;
        long revision;
        await using (var snapshot = await store.OpenSnapshotAsync(CancellationToken))
        {
            revision = snapshot.Revision;
            creatorCount = snapshot.CreatorCount;
            await using var rows = snapshot.ReadCatalogsAsync(CancellationToken).GetAsyncEnumerator(CancellationToken);
            Assert.True(await rows.MoveNextAsync());
            streamed.Add(Encoding.UTF8.GetString(rows.Current));
            await store.PutCatalogAsync(Write("b", "b2"), CancellationToken);
            await store.DeleteCreatorAsync("c", null, CancellationToken);
            await store.PutCatalogAsync(Write("d", "d1"), CancellationToken);
            while (await rows.MoveNextAsync())
            {
                streamed.Add(Encoding.UTF8.GetString(rows.Current));
            }
        }

        // Assert
        Assert.Equal(3, revision);
        Assert.Equal(3, creatorCount);
        Assert.Equal(["a@1:a1", "b@2:b1", "c@3:c1"], streamed);
        var after = await store.ReadSnapshotAsync(CancellationToken);
        Assert.Equal(6, after.Revision);
        Assert.Equal(["a@1:a1", "b@4:b2", "d@6:d1"], after.Catalogs.Select(static p => Encoding.UTF8.GetString(p)));
    }

    [Fact]
    public async Task ReadSnapshotAsync_DuringConcurrentWrites_HeadAlwaysMatchesTheCatalogs()
    {
        // Arrange: every write bumps one creator's payload to "<creator>@<revision>"; a consistent
        // snapshot never holds a payload newer than its head, and always holds the one at the head.
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(Write("a", "a0"), CancellationToken);
        var writer = Task.Run(async () =>
        {
            for (var i = 1; i <= 150; i++)
            {
                await store.PutCatalogAsync(Write(i % 2 == 0 ? "a" : "b", "v" + i), CancellationToken);
            }
        }, CancellationToken);

        // Act
        var snapshots = new List<StoreSnapshot>();
        while (!writer.IsCompleted)
        {
            snapshots.Add(await store.ReadSnapshotAsync(CancellationToken));
        }

        await writer;
        snapshots.Add(await store.ReadSnapshotAsync(CancellationToken));

        // Assert
        foreach (var snapshot in snapshots)
        {
            var revisions = snapshot.Catalogs.Select(static p => long.Parse(Encoding.UTF8.GetString(p).Split('@', ':')[1])).ToList();
            Assert.All(revisions, r => Assert.True(r <= snapshot.Revision, $"payload r{r} in a snapshot at r{snapshot.Revision}"));
            Assert.Contains(snapshot.Revision, revisions);
        }

        Assert.Equal(151, snapshots[^1].Revision);
    }

    [Fact]
    public async Task PutCatalogAsync_ExpectedRevision_AppliesOnlyWhileCurrent()
    {
        // Arrange
        var store = await OpenStoreAsync();
        var first = await store.PutCatalogAsync(Write("a", "a1"), CancellationToken);
        var second = await store.PutCatalogAsync(Write("a", "a2"), CancellationToken);

        // Act
        var stale = await store.PutCatalogAsync(Write("a", "a3", expectedRevision: first.Revision), CancellationToken);
        var missing = await store.PutCatalogAsync(Write("z", "z1", expectedRevision: second.Revision), CancellationToken);
        var current = await store.PutCatalogAsync(Write("a", "a3", expectedRevision: second.Revision), CancellationToken);

        // Assert
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.PreconditionFailed, 2), stale);
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.PreconditionFailed, 0), missing);
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Updated, 3), current);
        Assert.Null(await store.GetCatalogAsync("z", CancellationToken));
        Assert.Equal(3, await store.GetHeadRevisionAsync(CancellationToken));
    }

    [Fact]
    public async Task DeleteCreatorAsync_ExistingMissingAndStale_AnswersEachAndWritesOnlyTheDelete()
    {
        // Arrange
        var store = await OpenStoreAsync();
        var first = await store.PutCatalogAsync(Write("a", "a1"), CancellationToken);
        var second = await store.PutCatalogAsync(Write("a", "a2"), CancellationToken);

        // Act
        var missing = await store.DeleteCreatorAsync("nobody", null, CancellationToken);
        var stale = await store.DeleteCreatorAsync("a", first.Revision, CancellationToken);
        var deleted = await store.DeleteCreatorAsync("a", second.Revision, CancellationToken);
        var again = await store.DeleteCreatorAsync("a", null, CancellationToken);

        // Assert
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.NotFound, 0), missing);
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.PreconditionFailed, 2), stale);
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Deleted, 3), deleted);
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.NotFound, 0), again);
        Assert.Null(await store.GetCatalogAsync("a", CancellationToken));
        Assert.Equal(3, await store.GetHeadRevisionAsync(CancellationToken));
    }

    [Fact]
    public async Task PutCatalogAsync_Commit_WakesWaitersOnTheRevisionSignal()
    {
        // Arrange
        var signal = new RevisionSignal();
        var store = await OpenStoreAsync(signal);
        var waiter = signal.WaitForRevisionAboveAsync(0);
        Assert.False(waiter.IsCompleted);

        // Act
        await store.PutCatalogAsync(Write("a", "a1"), CancellationToken);

        // Assert
        await waiter.WaitAsync(CancellationToken);
        Assert.Equal(1, signal.Head);
    }

    [Fact]
    public async Task InitializeAsync_ReopenedAfterClose_KeepsDataHeadAndClusterId()
    {
        // Arrange
        var first = await OpenStoreAsync();
        await first.PutCatalogAsync(Write("a", "a1"), CancellationToken);
        await first.PutCatalogAsync(Write("b", "b1"), CancellationToken);
        await first.DeleteCreatorAsync("b", null, CancellationToken);
        await first.PutCatalogAsync(Write("a", "a2"), CancellationToken);
        var clusterId = first.ClusterId;
        await CloseStoreAsync(first);

        // Act
        var signal = new RevisionSignal();
        var reopened = await OpenStoreAsync(signal);

        // Assert
        Assert.Equal(clusterId, reopened.ClusterId);
        Assert.Equal(4, await reopened.GetHeadRevisionAsync(CancellationToken));
        Assert.Equal(4, signal.Head);
        Assert.Equal(new StoredCatalog("a", 4, "a2"), await reopened.GetCatalogAsync("a", CancellationToken));
        Assert.Null(await reopened.GetCatalogAsync("b", CancellationToken));
        Assert.Equal([1L, 2, 3, 4], (await reopened.ReadChangesAsync(0, 100, CancellationToken)).Select(static c => c.Revision));
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Unchanged, 4), await reopened.PutCatalogAsync(Write("a", "a2"), CancellationToken));
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Created, 5), await reopened.PutCatalogAsync(Write("c", "c1"), CancellationToken));
    }

    [Fact]
    public async Task InitializeAsync_SecondInstanceOnTheSameDatabase_SeesTheSameClusterIdAndHead()
    {
        // Arrange
        var first = await OpenStoreAsync();
        await first.PutCatalogAsync(Write("a", "a1"), CancellationToken);

        // Act
        var signal = new RevisionSignal();
        var second = await OpenStoreAsync(signal);

        // Assert
        Assert.Equal(first.ClusterId, second.ClusterId);
        Assert.Equal(1, signal.Head);
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Updated, 2), await second.PutCatalogAsync(Write("a", "a2"), CancellationToken));
        Assert.Equal(new StoredCatalog("a", 2, "a2"), await first.GetCatalogAsync("a", CancellationToken));
    }

    [Fact]
    public async Task CompactAsync_UpToRevisions_DeletesRecordsRaisesTheHorizonAndKeepsTheState()
    {
        // Arrange
        var store = await OpenStoreAsync();
        for (var i = 1; i <= 5; i++)
        {
            await store.PutCatalogAsync(Write(i % 2 == 0 ? "a" : "b", "v" + i), CancellationToken);
        }

        // Act
        var firstDeleted = await store.CompactAsync(3, CancellationToken);
        var belowHorizon = await store.CompactAsync(2, CancellationToken);
        var afterFirst = await store.ReadChangesAsync(0, 100, CancellationToken);
        var compactedAfterFirst = await store.GetCompactedRevisionAsync(CancellationToken);
        var beyondHead = await store.CompactAsync(100, CancellationToken);

        // Assert
        Assert.Equal(3, firstDeleted);
        Assert.Equal(0, belowHorizon);
        Assert.Equal([4L, 5], afterFirst.Select(static c => c.Revision));
        Assert.Equal(3, compactedAfterFirst);
        Assert.Equal(2, beyondHead);
        Assert.Equal(5, await store.GetCompactedRevisionAsync(CancellationToken));
        Assert.Empty(await store.ReadChangesAsync(0, 100, CancellationToken));
        Assert.Equal(5, await store.GetHeadRevisionAsync(CancellationToken));
        Assert.Equal(["a@4:v4", "b@5:v5"], (await store.ReadSnapshotAsync(CancellationToken)).Catalogs.Select(static p => Encoding.UTF8.GetString(p)));
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Created, 6), await store.PutCatalogAsync(Write("c", "c1"), CancellationToken));
        Assert.Equal([6L], (await store.ReadChangesAsync(5, 100, CancellationToken)).Select(static c => c.Revision));
    }

    [Fact]
    public async Task GetRevisionTimeAsync_RevisionsCommittedAtDifferentTimes_AnswersEachTimeAndTheLastBeforeAnyTime()
    {
        // Arrange: r1 at T, r2 at T+1min, r3 at T+2min.
        var store = await OpenStoreAsync();
        var start = Time.GetUtcNow();
        await store.PutCatalogAsync(Write("a", "a1"), CancellationToken);
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.PutCatalogAsync(Write("b", "b1"), CancellationToken);
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.DeleteCreatorAsync("a", null, CancellationToken);

        // Act
        var times = new List<DateTimeOffset?>();
        for (var revision = 1; revision <= 4; revision++)
        {
            times.Add(await store.GetRevisionTimeAsync(revision, CancellationToken));
        }

        var beforeAny = await store.GetLastRevisionAtOrBeforeAsync(start - TimeSpan.FromSeconds(1), CancellationToken);
        var atFirst = await store.GetLastRevisionAtOrBeforeAsync(start, CancellationToken);
        var between = await store.GetLastRevisionAtOrBeforeAsync(start + TimeSpan.FromSeconds(90), CancellationToken);
        var later = await store.GetLastRevisionAtOrBeforeAsync(start + TimeSpan.FromDays(1), CancellationToken);
        await store.CompactAsync(1, CancellationToken);

        // Assert
        Assert.Equal([start, start + TimeSpan.FromMinutes(1), start + TimeSpan.FromMinutes(2), null], times);
        Assert.Equal((0L, 1L, 2L, 3L), (beforeAny, atFirst, between, later));
        Assert.Null(await store.GetRevisionTimeAsync(1, CancellationToken));
        Assert.Equal(start + TimeSpan.FromMinutes(1), await store.GetRevisionTimeAsync(2, CancellationToken));
    }

    [Fact]
    public async Task RecordEdgesAsync_InsertsThenUpdates_ListEdgesReturnsTheLatestOrderedById()
    {
        // Arrange
        var store = await OpenStoreAsync();
        var contact = Time.GetUtcNow();
        var b = new EdgeRecord("edge-b", "us-east", "http://b.example", 2, 7, true, contact, null);
        var a = new EdgeRecord("edge-a", "eu-west", "http://a.example", 1, 3, true, contact, null);

        // Act
        await store.RecordEdgesAsync([], CancellationToken);
        await store.RecordEdgesAsync([b, a], CancellationToken);
        var inserted = await store.ListEdgesAsync(CancellationToken);
        var aLater = a with { Region = "eu-central", ProtocolVersion = 2, AppliedRevision = 9, Connected = false, LastContact = contact + TimeSpan.FromSeconds(5), LastRejection = "revision 10 does not follow 9" };
        var aCleared = aLater with { LastRejection = null, AppliedRevision = 11 };
        await store.RecordEdgesAsync([aLater], CancellationToken);
        var updated = await store.ListEdgesAsync(CancellationToken);
        await store.RecordEdgesAsync([aCleared, new EdgeRecord("edge-C", "ap-south", "", 2, 0, true, contact, null)], CancellationToken);

        // Assert
        Assert.Equal([a, b], inserted);
        Assert.Equal([aLater, b], updated);
        Assert.Equal(["edge-C", "edge-a", "edge-b"], (await store.ListEdgesAsync(CancellationToken)).Select(static e => e.Id));
        Assert.Equal(aCleared, (await store.ListEdgesAsync(CancellationToken))[1]);
        Assert.Equal(0, await store.GetHeadRevisionAsync(CancellationToken));
    }

    [Fact]
    public async Task RecordEdgesAsync_FromAnotherInstance_IsListedByEveryInstance()
    {
        // Arrange: the registry is how one origin replica knows the edges connected to the others.
        var first = await OpenStoreAsync();
        var second = await OpenStoreAsync();
        var edge = new EdgeRecord("edge-a", "eu-west", "http://a.example", 2, 3, true, Time.GetUtcNow(), null);

        // Act
        await first.RecordEdgesAsync([edge], CancellationToken);

        // Assert
        Assert.Equal([edge], await second.ListEdgesAsync(CancellationToken));
    }

    /// <summary>
    /// 8 writers x 25 puts, to their own creator and to creators they share, all at once. Catches
    /// lost updates and duplicate or skipped revisions under parallel writers: two writers reading
    /// the same head outside one write transaction would give two changes one revision (a lost
    /// write or a primary-key failure), and a catalog row committed apart from its change would
    /// leave a creator's current revision disagreeing with its last change. With 2 instances
    /// (two origin processes on one database) only the database serializes them.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task PutCatalogAsync_ParallelWriters_RevisionsAreContiguousAndNoneLost(int storeInstances)
    {
        // Arrange
        const int Writers = 8;
        const int PutsPerWriter = 25;
        var stores = new List<IOriginStore>();
        for (var i = 0; i < storeInstances; i++)
        {
            stores.Add(await OpenStoreAsync());
        }

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            var store = stores[writer % stores.Count];
            var accepted = new List<(string Creator, string Document, CatalogWriteResult Result)>();
            await start.Task;
            for (var put = 0; put < PutsPerWriter; put++)
            {
                var creator = put % 2 == 0 ? $"own-{writer}" : $"shared-{put % 3}";
                var document = $"writer {writer} put {put}";
                accepted.Add((creator, document, await store.PutCatalogAsync(Write(creator, document), CancellationToken)));
            }

            return accepted;
        }, CancellationToken)).ToArray();

        // Act
        start.SetResult();
        var writes = (await Task.WhenAll(writers)).SelectMany(static w => w).ToList();

        // Assert
        const int Total = Writers * PutsPerWriter;
        Assert.All(writes, static w => Assert.Contains(w.Result.Outcome, new[] { CatalogWriteOutcome.Created, CatalogWriteOutcome.Updated }));
        Assert.Equal(Enumerable.Range(1, Total).Select(static r => (long)r), writes.Select(static w => w.Result.Revision).Order());
        Assert.Equal(Total, await stores[0].GetHeadRevisionAsync(CancellationToken));

        var changes = await stores[0].ReadChangesAsync(0, Total + 10, CancellationToken);
        Assert.Equal(Enumerable.Range(1, Total).Select(static r => (long)r), changes.Select(static c => c.Revision));
        var byRevision = writes.ToDictionary(static w => w.Result.Revision);
        Assert.All(changes, c =>
        {
            var write = byRevision[c.Revision];
            Assert.Equal(write.Creator, c.CreatorId);
            Assert.Equal($"{write.Creator}@{c.Revision}:{write.Document}", Encoding.UTF8.GetString(c.Payload));
        });

        foreach (var creator in changes.GroupBy(static c => c.CreatorId))
        {
            var last = creator.MaxBy(static c => c.Revision)!;
            var stored = await stores[^1].GetCatalogAsync(creator.Key, CancellationToken);
            Assert.Equal(last.Revision, stored!.Revision);
            Assert.Equal(byRevision[last.Revision].Document, stored.DocumentJson);
        }

        Assert.Equal(Writers + 3, (await stores[0].ListCreatorsAsync(CancellationToken)).Count);
    }

    /// <summary>Two admins both read revision R and both write "If-Match: R": exactly one may win.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task PutCatalogAsync_TwoWritersSameExpectedRevision_ExactlyOneWins(int storeInstances)
    {
        // Arrange
        const int Rounds = 20;
        var stores = new List<IOriginStore>();
        for (var i = 0; i < storeInstances; i++)
        {
            stores.Add(await OpenStoreAsync());
        }

        for (var round = 0; round < Rounds; round++)
        {
            var creator = $"race-{round}";
            var expected = (await stores[0].PutCatalogAsync(Write(creator, "base"), CancellationToken)).Revision;
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var contenders = new[] { "left", "right" }.Select((document, i) => Task.Run(async () =>
            {
                await start.Task;
                return (Document: document, Result: await stores[i % stores.Count].PutCatalogAsync(Write(creator, document, expected), CancellationToken));
            }, CancellationToken)).ToArray();

            // Act
            start.SetResult();
            var results = await Task.WhenAll(contenders);

            // Assert
            var winner = Assert.Single(results, static r => r.Result.Outcome == CatalogWriteOutcome.Updated);
            var loser = Assert.Single(results, static r => r.Result.Outcome == CatalogWriteOutcome.PreconditionFailed);
            Assert.Equal(expected + 1, winner.Result.Revision);
            Assert.Equal(winner.Result.Revision, loser.Result.Revision);
            Assert.Equal(new StoredCatalog(creator, expected + 1, winner.Document), await stores[0].GetCatalogAsync(creator, CancellationToken));
            Assert.Equal(expected + 1, await stores[0].GetHeadRevisionAsync(CancellationToken));
        }
    }

    /// <summary>A write whose payload names the revision it was given: "<c>creator@revision:document</c>".</summary>
    private protected static CatalogWrite Write(string creatorId, string document, long? expectedRevision = null)
        => new(creatorId, document, SHA256.HashData(Encoding.UTF8.GetBytes(document)), 1, expectedRevision,
            revision => Encoding.UTF8.GetBytes($"{creatorId}@{revision}:{document}"));

    private protected async Task<IOriginStore> OpenStoreAsync(RevisionSignal? signal = null)
    {
        var store = CreateStore(signal ?? new RevisionSignal());
        await store.InitializeAsync(CancellationToken);
        return store;
    }
}
