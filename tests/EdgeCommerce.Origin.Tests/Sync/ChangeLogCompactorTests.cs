using EdgeCommerce.Origin.Sync;
using EdgeCommerce.Origin.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Tests.Sync;

/// <summary>One compaction round against a real SQLite store whose commits are stamped by a fake clock.</summary>
public sealed class ChangeLogCompactorTests
{
    [Fact]
    public async Task CompactOnceAsync_MoreChangesThanKept_CompactsAllButTheNewest()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        await WriteAsync(store, 10, cancellationToken);
        var compactor = NewCompactor(store, keepChanges: 3, maxAge: TimeSpan.FromHours(24));

        // Act
        var horizon = await compactor.CompactOnceAsync(cancellationToken);

        // Assert
        Assert.Equal(7, horizon);
        Assert.Equal(7, await store.Store.GetCompactedRevisionAsync(cancellationToken));
        Assert.Equal([8L, 9L, 10L], (await store.Store.ReadChangesAsync(0, 100, cancellationToken)).Select(static c => c.Revision));
    }

    [Fact]
    public async Task CompactOnceAsync_ChangesOlderThanMaxAge_CompactsThemEvenWhenFewerThanKept()
    {
        // Arrange: four changes two hours ago, two just now.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        await WriteAsync(store, 4, cancellationToken);
        store.Time.Advance(TimeSpan.FromHours(2));
        await WriteAsync(store, 2, cancellationToken, first: 5);
        var compactor = NewCompactor(store, keepChanges: 100, maxAge: TimeSpan.FromHours(1));

        // Act
        var horizon = await compactor.CompactOnceAsync(cancellationToken);

        // Assert
        Assert.Equal(4, horizon);
        Assert.Equal([5L, 6L], (await store.Store.ReadChangesAsync(0, 100, cancellationToken)).Select(static c => c.Revision));
    }

    [Fact]
    public async Task CompactOnceAsync_KeepZero_CompactsByAgeOnly()
    {
        // Arrange: 0 keeps every record as far as the count goes; age still applies.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        await WriteAsync(store, 3, cancellationToken);
        store.Time.Advance(TimeSpan.FromMinutes(30));
        await WriteAsync(store, 3, cancellationToken, first: 4);
        store.Time.Advance(TimeSpan.FromMinutes(31));
        var compactor = NewCompactor(store, keepChanges: 0, maxAge: TimeSpan.FromHours(1));

        // Act
        var horizon = await compactor.CompactOnceAsync(cancellationToken);

        // Assert: the first three are 61 minutes old, the others 31.
        Assert.Equal(3, horizon);
        Assert.Equal(3, await store.Store.GetCompactedRevisionAsync(cancellationToken));
    }

    [Fact]
    public async Task CompactOnceAsync_BothLimits_TheFurtherHorizonWins()
    {
        // Arrange: by count the horizon is 6 (keep 4 of 10); by age it is 8.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        await WriteAsync(store, 8, cancellationToken);
        store.Time.Advance(TimeSpan.FromDays(2));
        await WriteAsync(store, 2, cancellationToken, first: 9);
        var compactor = NewCompactor(store, keepChanges: 4, maxAge: TimeSpan.FromDays(1));

        // Act
        var horizon = await compactor.CompactOnceAsync(cancellationToken);

        // Assert
        Assert.Equal(8, horizon);
        Assert.Equal([9L, 10L], (await store.Store.ReadChangesAsync(0, 100, cancellationToken)).Select(static c => c.Revision));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task CompactOnceAsync_NothingDue_ReturnsZeroAndKeepsEveryRecord(int changes)
    {
        // Arrange: at most as many changes as kept, all young.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        await WriteAsync(store, changes, cancellationToken);
        store.Time.Advance(TimeSpan.FromMinutes(59));
        var compactor = NewCompactor(store, keepChanges: 5, maxAge: TimeSpan.FromHours(1));

        // Act
        var horizon = await compactor.CompactOnceAsync(cancellationToken);

        // Assert
        Assert.Equal(0, horizon);
        Assert.Equal(0, await store.Store.GetCompactedRevisionAsync(cancellationToken));
        Assert.Equal(changes, (await store.Store.ReadChangesAsync(0, 100, cancellationToken)).Count);
    }

    [Fact]
    public async Task CompactOnceAsync_Again_KeepsTheHorizonAndLogsNothingNew()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        await WriteAsync(store, 6, cancellationToken);
        var logger = new ListLogger<ChangeLogCompactor>();
        var compactor = NewCompactor(store, keepChanges: 2, maxAge: TimeSpan.FromHours(24), logger);

        // Act
        var first = await compactor.CompactOnceAsync(cancellationToken);
        var second = await compactor.CompactOnceAsync(cancellationToken);

        // Assert: one ChangeLogCompacted (1105) for the round that deleted records.
        Assert.Equal((4L, 4L), (first, second));
        Assert.Equal(4, await store.Store.GetCompactedRevisionAsync(cancellationToken));
        Assert.Equal([1105], logger.Entries.Select(static e => e.EventId.Id));
    }

    [Fact]
    public async Task CompactOnceAsync_StoreFails_LogsCompactionFailedAndReturnsZero()
    {
        // Arrange
        var store = new FakeOriginStore { Failure = new InvalidOperationException("disk gone") };
        var logger = new ListLogger<ChangeLogCompactor>();
        var compactor = new ChangeLogCompactor(store, Options.Create(new SyncOptions()), TimeProvider.System, logger);

        // Act
        var horizon = await compactor.CompactOnceAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(0, horizon);
        var entry = Assert.Single(logger.Entries);
        Assert.Equal((LogLevel.Error, 1106), (entry.Level, entry.EventId.Id));
        Assert.IsType<InvalidOperationException>(entry.Exception);
    }

    private static ChangeLogCompactor NewCompactor(TestOriginStore store, int keepChanges, TimeSpan maxAge, ILogger<ChangeLogCompactor>? logger = null)
        => new(store.Store, Options.Create(new SyncOptions { CompactionKeepChanges = keepChanges, CompactionMaxAge = maxAge }), store.Time,
            logger ?? NullLogger<ChangeLogCompactor>.Instance);

    private static async Task WriteAsync(TestOriginStore store, int count, CancellationToken cancellationToken, int first = 1)
    {
        for (var i = first; i < first + count; i++)
        {
            await store.PutAsync("creator-" + i, "v1", cancellationToken);
        }
    }
}
