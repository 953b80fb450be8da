using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Recommendations;
using EdgeCommerce.Edge.Tests.Infrastructure;

namespace EdgeCommerce.Edge.Tests.Recommendations;

/// <summary>
/// Recommendations read stock from the replica's drops: a SKU whose drop sold its whole allocation
/// is out from the next request on. Would catch availability that ignores drops or reads a stale replica.
/// </summary>
public sealed class ReplicaStockAvailabilityTests
{
    [Fact]
    public async Task IsInStock_SoldOutInAnOpenDrop_OutAtOnce_OtherCreatorsAndCancelledDropsUnaffected()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();
        await edge.Updater.ApplySnapshotAsync(CatalogData.Snapshot(1, CatalogData.CatalogOf("c1", 1, "hoodie")), cancellationToken);
        var availability = new ReplicaStockAvailability(edge.Holder);
        var before = availability.IsInStock("c1", "hoodie-m");

        // Act: the drop sells its last unit; another creator's drop and a cancelled one hold the same SKU id.
        await edge.Updater.ApplyBatchAsync(new ChangeBatch
        {
            PreviousRevision = 1,
            Revision = 4,
            Changes =
            {
                new Change { Revision = 2, DropChanged = Drop("d1", "c1", 2, sold: 3) },
                new Change { Revision = 3, DropChanged = Drop("d2", "c2", 3, sold: 1) },
                new Change { Revision = 4, DropChanged = Drop("d3", "c3", 4, sold: 3, cancelled: true) },
            },
        }, cancellationToken);

        // Assert
        Assert.True(before);
        Assert.False(availability.IsInStock("c1", "hoodie-m"));
        Assert.True(availability.IsInStock("c1", "hoodie-l"));
        Assert.True(availability.IsInStock("c2", "hoodie-m"));
        Assert.True(availability.IsInStock("c3", "hoodie-m"));
    }

    private static DropState Drop(string dropId, string creatorId, long revision, int sold, bool cancelled = false) => new()
    {
        DropId = dropId,
        CreatorId = creatorId,
        Revision = revision,
        Title = "Tour drop",
        StartsAtUnixMs = 1_700_000_000_000,
        EndsAtUnixMs = 1_700_007_200_000,
        PerViewerLimit = 2,
        Cancelled = cancelled,
        Skus = { new DropSku { SkuId = "hoodie-m", Allocation = 3, Sold = sold } },
    };
}
