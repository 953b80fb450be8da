using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Tests.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>The SQLite store against a real file in a fresh temp directory per test.</summary>
public sealed class SqliteOriginStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new("edgecommerce-store");
    private readonly List<SqliteOriginStore> _stores = [];

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task InitializeAsync_NewFile_StartsAtRevisionZero()
    {
        // Arrange
        var signal = new RevisionSignal();
        var store = CreateStore(signal);

        // Act
        await store.InitializeAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(0, await store.GetHeadRevisionAsync(TestContext.Current.CancellationToken));
        Assert.Empty(await store.ListCreatorsAsync(TestContext.Current.CancellationToken));
        Assert.Empty(await store.ReadChangesAsync(0, 100, TestContext.Current.CancellationToken));
        Assert.Equal(0, signal.Head);
        Assert.Equal(Path.Combine(_directory.Path, "origin.db"), store.DatabasePath);
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
            results.Add(await store.PutCatalogAsync(Write(creator, document), TestContext.Current.CancellationToken));
        }

        // Assert
        Assert.Equal([1L, 2, 3, 4, 5], results.Select(static r => r.Revision));
        Assert.Equal(
            [CatalogWriteOutcome.Created, CatalogWriteOutcome.Created, CatalogWriteOutcome.Updated, CatalogWriteOutcome.Created, CatalogWriteOutcome.Updated],
            results.Select(static r => r.Outcome));
        Assert.Equal(5, await store.GetHeadRevisionAsync(TestContext.Current.CancellationToken));
        Assert.Equal(5, signal.Head);
        Assert.Equal(
            [new CreatorSummary("a", 3, 1), new CreatorSummary("b", 5, 1), new CreatorSummary("c", 4, 1)],
            await store.ListCreatorsAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PutCatalogAsync_IdenticalContent_ReturnsUnchangedAndWritesNothing()
    {
        // Arrange
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);
        await store.PutCatalogAsync(Write("b", "b1"), TestContext.Current.CancellationToken);

        // Act
        var result = await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Unchanged, 1), result);
        Assert.Equal(2, await store.GetHeadRevisionAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, (await store.ReadChangesAsync(0, 100, TestContext.Current.CancellationToken)).Count);
    }

    [Fact]
    public async Task ReadChangesAsync_AfterWritesAndDelete_ReturnsRecordsInOrderWithTheirPayloads()
    {
        // Arrange
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);
        await store.PutCatalogAsync(Write("b", "b1"), TestContext.Current.CancellationToken);
        await store.PutCatalogAsync(Write("a", "a2"), TestContext.Current.CancellationToken);
        await store.DeleteCreatorAsync("b", null, TestContext.Current.CancellationToken);

        // Act
        var all = await store.ReadChangesAsync(0, 100, TestContext.Current.CancellationToken);
        var afterTwo = await store.ReadChangesAsync(2, 100, TestContext.Current.CancellationToken);
        var firstTwo = await store.ReadChangesAsync(0, 2, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(
            [(1L, "a", ChangeKind.CatalogUpserted, "a@1:a1"), (2L, "b", ChangeKind.CatalogUpserted, "b@2:b1"), (3L, "a", ChangeKind.CatalogUpserted, "a@3:a2"), (4L, "b", ChangeKind.CreatorDeleted, "")],
            all.Select(static c => (c.Revision, c.CreatorId, c.Kind, Encoding.UTF8.GetString(c.Payload))));
        Assert.Equal([3L, 4], afterTwo.Select(static c => c.Revision));
        Assert.Equal([1L, 2], firstTwo.Select(static c => c.Revision));
        Assert.Empty(await store.ReadChangesAsync(4, 100, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ReadSnapshotAsync_AfterWrites_ReturnsHeadAndEachCurrentCatalogByCreator()
    {
        // Arrange
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(Write("c", "c1"), TestContext.Current.CancellationToken);
        await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);
        await store.PutCatalogAsync(Write("b", "b1"), TestContext.Current.CancellationToken);
        await store.PutCatalogAsync(Write("a", "a2"), TestContext.Current.CancellationToken);
        await store.DeleteCreatorAsync("c", null, TestContext.Current.CancellationToken);

        // Act
        var snapshot = await store.ReadSnapshotAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(5, snapshot.Revision);
        Assert.Equal(["a@4:a2", "b@3:b1"], snapshot.Catalogs.Select(static p => Encoding.UTF8.GetString(p)));
    }

    [Fact]
    public async Task ReadSnapshotAsync_DuringConcurrentWrites_HeadAlwaysMatchesTheCatalogs()
    {
        // Arrange: every write bumps one creator's document to "<creator>@<revision>"; a consistent
        // snapshot never holds a payload newer than its head, and always holds the one at the head.
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(Write("a", "a0"), TestContext.Current.CancellationToken);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 1; i <= 150; i++)
            {
                await store.PutCatalogAsync(Write(i % 2 == 0 ? "a" : "b", "v" + i), TestContext.Current.CancellationToken);
            }
        }, TestContext.Current.CancellationToken);

        // Act
        var snapshots = new List<StoreSnapshot>();
        while (!writer.IsCompleted)
        {
            snapshots.Add(await store.ReadSnapshotAsync(TestContext.Current.CancellationToken));
        }

        await writer;
        snapshots.Add(await store.ReadSnapshotAsync(TestContext.Current.CancellationToken));

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
        var first = await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);
        var second = await store.PutCatalogAsync(Write("a", "a2"), TestContext.Current.CancellationToken);

        // Act
        var stale = await store.PutCatalogAsync(Write("a", "a3", expectedRevision: first.Revision), TestContext.Current.CancellationToken);
        var missing = await store.PutCatalogAsync(Write("z", "z1", expectedRevision: second.Revision), TestContext.Current.CancellationToken);
        var current = await store.PutCatalogAsync(Write("a", "a3", expectedRevision: second.Revision), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.PreconditionFailed, 2), stale);
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.PreconditionFailed, 0), missing);
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Updated, 3), current);
        Assert.Null(await store.GetCatalogAsync("z", TestContext.Current.CancellationToken));
        Assert.Equal(3, await store.GetHeadRevisionAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task DeleteCreatorAsync_ExistingMissingAndStale_AnswersEachAndWritesOnlyTheDelete()
    {
        // Arrange
        var store = await OpenStoreAsync();
        var first = await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);
        var second = await store.PutCatalogAsync(Write("a", "a2"), TestContext.Current.CancellationToken);

        // Act
        var missing = await store.DeleteCreatorAsync("nobody", null, TestContext.Current.CancellationToken);
        var stale = await store.DeleteCreatorAsync("a", first.Revision, TestContext.Current.CancellationToken);
        var deleted = await store.DeleteCreatorAsync("a", second.Revision, TestContext.Current.CancellationToken);
        var again = await store.DeleteCreatorAsync("a", null, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.NotFound, 0), missing);
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.PreconditionFailed, 2), stale);
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Deleted, 3), deleted);
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.NotFound, 0), again);
        Assert.Null(await store.GetCatalogAsync("a", TestContext.Current.CancellationToken));
        Assert.Equal(3, await store.GetHeadRevisionAsync(TestContext.Current.CancellationToken));
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
        await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);

        // Assert
        await waiter.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, signal.Head);
    }

    [Fact]
    public async Task InitializeAsync_ReopenedAfterDispose_KeepsDataAndHead()
    {
        // Arrange
        var first = await OpenStoreAsync();
        await first.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);
        await first.PutCatalogAsync(Write("b", "b1"), TestContext.Current.CancellationToken);
        await first.DeleteCreatorAsync("b", null, TestContext.Current.CancellationToken);
        await first.PutCatalogAsync(Write("a", "a2"), TestContext.Current.CancellationToken);
        first.Dispose();
        _stores.Remove(first);

        // Act
        var signal = new RevisionSignal();
        var reopened = await OpenStoreAsync(signal);

        // Assert
        Assert.Equal(4, await reopened.GetHeadRevisionAsync(TestContext.Current.CancellationToken));
        Assert.Equal(4, signal.Head);
        Assert.Equal(new StoredCatalog("a", 4, "a2"), await reopened.GetCatalogAsync("a", TestContext.Current.CancellationToken));
        Assert.Null(await reopened.GetCatalogAsync("b", TestContext.Current.CancellationToken));
        Assert.Equal([1L, 2, 3, 4], (await reopened.ReadChangesAsync(0, 100, TestContext.Current.CancellationToken)).Select(static c => c.Revision));
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Unchanged, 4), await reopened.PutCatalogAsync(Write("a", "a2"), TestContext.Current.CancellationToken));
        Assert.Equal(new CatalogWriteResult(CatalogWriteOutcome.Created, 5), await reopened.PutCatalogAsync(Write("c", "c1"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task InitializeAsync_SchemaNewerThanThisBuild_FailsFast()
    {
        // Arrange
        var first = await OpenStoreAsync();
        await using (var connection = new SqliteConnection(ReadWriteConnectionString(first.DatabasePath)))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var second = CreateStore();

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.InitializeAsync(TestContext.Current.CancellationToken));

        // Assert
        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeAsync_NewFile_UsesWalJournalAndFullSynchronousCommits()
    {
        // Arrange
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);

        // Act
        // journal_mode=WAL is stored in the file: any other connection sees it.
        string? journalMode;
        await using (var separate = new SqliteConnection(ReadWriteConnectionString(store.DatabasePath)))
        {
            await separate.OpenAsync(TestContext.Current.CancellationToken);
            journalMode = (string?)await ScalarAsync(separate, "PRAGMA journal_mode;");
        }

        // synchronous is per connection: a separate connection would only show SQLite's default and
        // prove nothing. Ask one the store itself opens (reflection keeps a test-only seam out of origin code).
        var openAsync = typeof(SqliteOriginStore).GetMethod("OpenAsync", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("SqliteOriginStore.OpenAsync(TestContext.Current.CancellationToken) was renamed; update this test.");
        long synchronous;
        await using (var own = await (Task<SqliteConnection>)openAsync.Invoke(store, [TestContext.Current.CancellationToken])!)
        {
            synchronous = (long)(await ScalarAsync(own, "PRAGMA synchronous;"))!;
        }

        // Assert
        Assert.Equal("wal", journalMode);
        Assert.Equal(2, synchronous); // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
    }

    /// <summary>
    /// 8 writers x 25 puts, to their own creator and to creators they share, all at once. Catches
    /// lost updates and duplicate or skipped revisions under parallel writers: two writers reading
    /// the same head outside one write transaction would give two changes one revision (a lost
    /// write or a primary-key failure), and a catalog row committed apart from its change would
    /// leave a creator's current revision disagreeing with its last change.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task PutCatalogAsync_ParallelWriters_RevisionsAreContiguousAndNoneLost(int storeInstances)
    {
        // Arrange: with 2 instances on one file (two origin processes), only SQLite's write lock
        // serializes them; with 1, the in-process gate does too.
        const int Writers = 8;
        const int PutsPerWriter = 25;
        var stores = new List<SqliteOriginStore>();
        for (var i = 0; i < storeInstances; i++)
        {
            stores.Add(await OpenStoreAsync(busyTimeout: TimeSpan.FromMinutes(1)));
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
                accepted.Add((creator, document, await store.PutCatalogAsync(Write(creator, document), TestContext.Current.CancellationToken)));
            }

            return accepted;
        }, TestContext.Current.CancellationToken)).ToArray();

        // Act
        start.SetResult();
        var writes = (await Task.WhenAll(writers)).SelectMany(static w => w).ToList();

        // Assert
        const int Total = Writers * PutsPerWriter;
        Assert.All(writes, static w => Assert.Contains(w.Result.Outcome, new[] { CatalogWriteOutcome.Created, CatalogWriteOutcome.Updated }));
        Assert.Equal(Enumerable.Range(1, Total).Select(static r => (long)r), writes.Select(static w => w.Result.Revision).Order());
        Assert.Equal(Total, await stores[0].GetHeadRevisionAsync(TestContext.Current.CancellationToken));

        var changes = await stores[0].ReadChangesAsync(0, Total + 10, TestContext.Current.CancellationToken);
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
            var stored = await stores[^1].GetCatalogAsync(creator.Key, TestContext.Current.CancellationToken);
            Assert.Equal(last.Revision, stored!.Revision);
            Assert.Equal(byRevision[last.Revision].Document, stored.DocumentJson);
        }

        Assert.Equal(Writers + 3, (await stores[0].ListCreatorsAsync(TestContext.Current.CancellationToken)).Count);
    }

    /// <summary>Two admins both read revision R and both write "If-Match: R": exactly one may win.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task PutCatalogAsync_TwoWritersSameExpectedRevision_ExactlyOneWins(int storeInstances)
    {
        // Arrange
        const int Rounds = 20;
        var stores = new List<SqliteOriginStore>();
        for (var i = 0; i < storeInstances; i++)
        {
            stores.Add(await OpenStoreAsync(busyTimeout: TimeSpan.FromMinutes(1)));
        }

        for (var round = 0; round < Rounds; round++)
        {
            var creator = $"race-{round}";
            var expected = (await stores[0].PutCatalogAsync(Write(creator, "base"), TestContext.Current.CancellationToken)).Revision;
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var contenders = new[] { "left", "right" }.Select((document, i) => Task.Run(async () =>
            {
                await start.Task;
                return (Document: document, Result: await stores[i % stores.Count].PutCatalogAsync(Write(creator, document, expected), TestContext.Current.CancellationToken));
            }, TestContext.Current.CancellationToken)).ToArray();

            // Act
            start.SetResult();
            var results = await Task.WhenAll(contenders);

            // Assert
            var winner = Assert.Single(results, static r => r.Result.Outcome == CatalogWriteOutcome.Updated);
            var loser = Assert.Single(results, static r => r.Result.Outcome == CatalogWriteOutcome.PreconditionFailed);
            Assert.Equal(expected + 1, winner.Result.Revision);
            Assert.Equal(winner.Result.Revision, loser.Result.Revision);
            Assert.Equal(new StoredCatalog(creator, expected + 1, winner.Document), await stores[0].GetCatalogAsync(creator, TestContext.Current.CancellationToken));
            Assert.Equal(expected + 1, await stores[0].GetHeadRevisionAsync(TestContext.Current.CancellationToken));
        }
    }

    /// <summary>A write whose payload names the revision it was given: "<c>creator@revision:document</c>".</summary>
    private static CatalogWrite Write(string creatorId, string document, long? expectedRevision = null)
        => new(creatorId, document, SHA256.HashData(Encoding.UTF8.GetBytes(document)), 1, expectedRevision,
            revision => Encoding.UTF8.GetBytes($"{creatorId}@{revision}:{document}"));

    private SqliteOriginStore CreateStore(RevisionSignal? signal = null, TimeSpan? busyTimeout = null)
    {
        var options = new StorageOptions { DataDirectory = _directory.Path };
        if (busyTimeout is { } timeout)
        {
            options.BusyTimeout = timeout;
        }

        var store = new SqliteOriginStore(Options.Create(options), signal ?? new RevisionSignal(),
            new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 20, 0, 0, TimeSpan.Zero)), NullLogger<SqliteOriginStore>.Instance);
        _stores.Add(store);
        return store;
    }

    private async Task<SqliteOriginStore> OpenStoreAsync(RevisionSignal? signal = null, TimeSpan? busyTimeout = null)
    {
        var store = CreateStore(signal, busyTimeout);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        return store;
    }

    private static string ReadWriteConnectionString(string path)
        => new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
