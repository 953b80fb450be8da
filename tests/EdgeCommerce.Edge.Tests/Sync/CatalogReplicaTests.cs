using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Sync;
using static EdgeCommerce.Edge.Tests.Infrastructure.CatalogData;

namespace EdgeCommerce.Edge.Tests.Sync;

public sealed class CatalogReplicaTests
{
    [Fact]
    public void ApplySnapshot_EmptyReplica_HoldsEverythingAndReportsEveryCreator()
    {
        // Arrange
        var empty = CatalogReplica.Empty;

        // Act
        var update = empty.ApplySnapshot(Snapshot(10, CatalogOf("a", 3, "p1"), CatalogOf("b", 10, "p2", "p3")));

        // Assert
        var replica = update.Replica;
        Assert.True(replica.HasSnapshot);
        Assert.Equal(10, replica.Revision);
        Assert.Equal(["a", "b"], replica.Creators.Keys.Order());
        Assert.Equal(3, replica.Find("a")!.Revision);
        Assert.Equal(["p2", "p3"], replica.Find("b")!.Products.Select(p => p.Id));
        Assert.Equal(["a", "b"], update.ChangedCreators.Order());
        Assert.Equal(0, update.ChangesApplied);
        Assert.False(empty.HasSnapshot);
        Assert.Empty(empty.Creators);
    }

    [Fact]
    public void ApplySnapshot_OverReplica_ReportsAddedRemovedAndRevisionChangedButNotUnchanged()
    {
        // Arrange
        var original = Seeded();

        // Act: a unchanged, b at a new revision, c gone, d new.
        var update = original.ApplySnapshot(Snapshot(20, CatalogOf("a", 3, "p1"), CatalogOf("b", 15, "p2-new"), CatalogOf("d", 20, "p4")));

        // Assert
        Assert.Equal(["b", "c", "d"], update.ChangedCreators.Order());
        var replica = update.Replica;
        Assert.Equal(20, replica.Revision);
        Assert.Equal(["a", "b", "d"], replica.Creators.Keys.Order());
        Assert.Null(replica.Find("c"));
        Assert.Equal("p2-new", Assert.Single(replica.Find("b")!.Products).Id);
        AssertSeeded(original);
    }

    [Fact]
    public void ApplySnapshot_NoCreators_EmptiesReplicaAndReportsEveryoneRemoved()
    {
        // Arrange
        var original = Seeded();

        // Act
        var update = original.ApplySnapshot(Snapshot(11));

        // Assert
        Assert.True(update.Replica.HasSnapshot);
        Assert.Equal(11, update.Replica.Revision);
        Assert.Empty(update.Replica.Creators);
        Assert.Equal(["a", "b", "c"], update.ChangedCreators.Order());
        AssertSeeded(original);
    }

    [Theory]
    [InlineData("duplicate-creator")]
    [InlineData("negative-revision")]
    [InlineData("catalog-above-snapshot")]
    [InlineData("catalog-revision-zero")]
    [InlineData("invalid-creator-id")]
    public void ApplySnapshot_Invalid_ThrowsAndLeavesReplicaUntouched(string scenario)
    {
        // Arrange
        var original = Seeded();
        var snapshot = scenario switch
        {
            "duplicate-creator" => Snapshot(20, CatalogOf("a", 20, "p1"), CatalogOf("x", 5), CatalogOf("a", 12, "p9")),
            "negative-revision" => Snapshot(-1),
            "catalog-above-snapshot" => Snapshot(20, CatalogOf("a", 21, "p1")),
            "catalog-revision-zero" => Snapshot(20, CatalogOf("a", 0, "p1")),
            "invalid-creator-id" => Snapshot(20, CatalogOf("bad id", 4, "p1")),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        // Act
        Action apply = () => original.ApplySnapshot(snapshot);

        // Assert
        Assert.Throws<ReplicaApplyException>(apply);
        AssertSeeded(original);
    }

    [Fact]
    public void ApplyBatch_BeforeSnapshot_Throws()
    {
        // Arrange
        var empty = CatalogReplica.Empty;

        // Act
        Action apply = () => empty.ApplyBatch(Batch(0, 1, Upsert(CatalogOf("a", 1, "p1"))));

        // Assert
        Assert.Throws<ReplicaApplyException>(apply);
        Assert.False(empty.HasSnapshot);
        Assert.Empty(empty.Creators);
    }

    [Fact]
    public void ApplyBatch_SuccessiveBatches_AppliesInOrderAndKeepsEveryOlderReplicaIntact()
    {
        // Arrange
        var original = Seeded();

        // Act
        var first = original.ApplyBatch(Batch(10, 12, Upsert(CatalogOf("a", 11, "p1-v2")), Upsert(CatalogOf("e", 12, "p5"))));
        var second = first.Replica.ApplyBatch(Batch(12, 13, Upsert(CatalogOf("a", 13, "p1-v3"))));

        // Assert
        Assert.Equal(12, first.Replica.Revision);
        Assert.Equal(["a", "e"], first.ChangedCreators.Order());
        Assert.Equal(2, first.ChangesApplied);
        Assert.Equal(11, first.Replica.Find("a")!.Revision);
        Assert.Equal(12, first.Replica.Find("e")!.Revision);

        Assert.Equal(13, second.Replica.Revision);
        Assert.Equal(["a"], second.ChangedCreators);
        Assert.Equal(1, second.ChangesApplied);
        Assert.Equal("p1-v3", Assert.Single(second.Replica.Find("a")!.Products).Id);
        Assert.Equal(["a", "b", "c", "e"], second.Replica.Creators.Keys.Order());

        // Immutability: each older replica still answers its own data.
        Assert.Equal("p1-v2", Assert.Single(first.Replica.Find("a")!.Products).Id);
        AssertSeeded(original);
    }

    [Fact]
    public void ApplyBatch_Delete_RemovesCreatorAndReportsIt()
    {
        // Arrange
        var original = Seeded();

        // Act
        var update = original.ApplyBatch(Batch(10, 11, Delete(11, "b")));

        // Assert
        Assert.Equal(11, update.Replica.Revision);
        Assert.Null(update.Replica.Find("b"));
        Assert.Equal(["a", "c"], update.Replica.Creators.Keys.Order());
        Assert.Equal(["b"], update.ChangedCreators);
        Assert.Equal(1, update.ChangesApplied);
        AssertSeeded(original);
    }

    [Fact]
    public void ApplyBatch_UpsertThenDeleteSameCreator_EndsDeletedAndReportsItOnce()
    {
        // Arrange
        var original = Seeded();

        // Act
        var update = original.ApplyBatch(Batch(10, 12, Upsert(CatalogOf("a", 11, "p1-v2")), Delete(12, "a")));

        // Assert
        Assert.Null(update.Replica.Find("a"));
        Assert.Equal(["a"], update.ChangedCreators);
        Assert.Equal(2, update.ChangesApplied);
        AssertSeeded(original);
    }

    [Fact]
    public void ApplyBatch_EmptyAtSameRevision_ChangesNothing()
    {
        // Arrange
        var original = Seeded();

        // Act
        var update = original.ApplyBatch(Batch(10, 10));

        // Assert
        Assert.Equal(10, update.Replica.Revision);
        Assert.True(update.Replica.HasSnapshot);
        Assert.Empty(update.ChangedCreators);
        Assert.Equal(0, update.ChangesApplied);
        Assert.Equal(original.Creators.Keys.Order(), update.Replica.Creators.Keys.Order());
        Assert.All(original.Creators, pair => Assert.Same(pair.Value, update.Replica.Find(pair.Key)));
        AssertSeeded(original);
    }

    [Fact]
    public void ApplyBatch_EmptyWithHigherRevision_AdvancesRevisionOnly()
    {
        // Arrange
        var original = Seeded();

        // Act
        var update = original.ApplyBatch(Batch(10, 14));
        var next = update.Replica.ApplyBatch(Batch(14, 15, Upsert(CatalogOf("c", 15, "p9"))));

        // Assert
        Assert.Equal(14, update.Replica.Revision);
        Assert.Empty(update.ChangedCreators);
        Assert.All(original.Creators, pair => Assert.Same(pair.Value, update.Replica.Find(pair.Key)));
        Assert.Equal(15, next.Replica.Revision);
        Assert.Throws<ReplicaApplyException>(() => update.Replica.ApplyBatch(Batch(10, 11, Upsert(CatalogOf("c", 11, "p9")))));
        AssertSeeded(original);
    }

    [Theory]
    [InlineData("previous-behind")]
    [InlineData("previous-ahead")]
    [InlineData("previous-zero")]
    [InlineData("change-at-replica-revision")]
    [InlineData("changes-descending")]
    [InlineData("changes-repeated")]
    [InlineData("change-beyond-batch")]
    [InlineData("last-change-below-batch")]
    [InlineData("catalog-revision-below-change")]
    [InlineData("catalog-revision-above-change")]
    [InlineData("unknown-kind")]
    [InlineData("invalid-creator-id")]
    [InlineData("valid-change-then-refused")]
    public void ApplyBatch_Refused_ThrowsAndLeavesReplicaUntouched(string scenario)
    {
        // Arrange
        var original = Seeded();
        var batch = scenario switch
        {
            "previous-behind" => Batch(9, 11, Upsert(CatalogOf("a", 11, "p1-v2"))),
            "previous-ahead" => Batch(11, 12, Upsert(CatalogOf("a", 12, "p1-v2"))),
            "previous-zero" => Batch(0, 11, Upsert(CatalogOf("a", 11, "p1-v2"))),
            "change-at-replica-revision" => Batch(10, 11, Upsert(CatalogOf("a", 10, "p1-v2"))),
            "changes-descending" => Batch(10, 12, Upsert(CatalogOf("a", 12, "p1-v2")), Upsert(CatalogOf("b", 11, "p2-v2"))),
            "changes-repeated" => Batch(10, 11, Upsert(CatalogOf("a", 11, "p1-v2")), Upsert(CatalogOf("b", 11, "p2-v2"))),
            "change-beyond-batch" => Batch(10, 11, Upsert(CatalogOf("a", 12, "p1-v2"))),
            "last-change-below-batch" => Batch(10, 12, Upsert(CatalogOf("a", 11, "p1-v2"))),
            "catalog-revision-below-change" => Batch(10, 11, new Change { Revision = 11, CatalogUpserted = CatalogOf("a", 9, "p1-v2") }),
            "catalog-revision-above-change" => Batch(10, 12, new Change { Revision = 11, CatalogUpserted = CatalogOf("a", 12, "p1-v2") }, Delete(12, "c")),
            "unknown-kind" => Batch(10, 11, new Change { Revision = 11 }),
            "invalid-creator-id" => Batch(10, 11, Upsert(CatalogOf("-a", 11, "p1-v2"))),
            "valid-change-then-refused" => Batch(10, 13, Upsert(CatalogOf("a", 11, "p1-v2")), Delete(12, "b"), new Change { Revision = 13 }),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        // Act
        Action apply = () => original.ApplyBatch(batch);

        // Assert
        Assert.Throws<ReplicaApplyException>(apply);
        AssertSeeded(original);
        // The untouched replica still takes the right next batch.
        Assert.Equal(11, original.ApplyBatch(Batch(10, 11, Upsert(CatalogOf("a", 11, "p1-v2")))).Replica.Revision);
    }

    /// <summary>A replica at revision 10: a@3 [p1], b@10 [p2], c@5 [p3].</summary>
    private static CatalogReplica Seeded()
        => CatalogReplica.Empty.ApplySnapshot(Snapshot(10, CatalogOf("a", 3, "p1"), CatalogOf("b", 10, "p2"), CatalogOf("c", 5, "p3"))).Replica;

    private static void AssertSeeded(CatalogReplica replica)
    {
        Assert.True(replica.HasSnapshot);
        Assert.Equal(10, replica.Revision);
        Assert.Equal(["a", "b", "c"], replica.Creators.Keys.Order());
        Assert.Equal((3L, "p1"), (replica.Find("a")!.Revision, Assert.Single(replica.Find("a")!.Products).Id));
        Assert.Equal((10L, "p2"), (replica.Find("b")!.Revision, Assert.Single(replica.Find("b")!.Products).Id));
        Assert.Equal((5L, "p3"), (replica.Find("c")!.Revision, Assert.Single(replica.Find("c")!.Products).Id));
    }
}
