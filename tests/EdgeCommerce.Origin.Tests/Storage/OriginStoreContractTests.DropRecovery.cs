using EdgeCommerce.Origin.Storage.Drops;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>Drop crash recovery in the store contract (issue 15), run against SQLite and PostgreSQL alike.</summary>
public abstract partial class OriginStoreContractTests
{
    /// <summary>
    /// Edge 1 held two leases (one with a sale) when its process died; edge 2 holds one. Catches
    /// units stranded until the leases end, a reclaim that touches another edge's lease or gives
    /// back sold units, and a late confirm of the dead process selling a unit that was given back.
    /// </summary>
    [Fact]
    public async Task ReclaimLeasesAsync_EdgeRestarted_ItsLeasesKeepOnlyTheirSalesOneRevision()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 40), CancellationToken);
        var first = await drops.AcquireLeaseAsync(Ask("d1", units: 4), CancellationToken);
        var second = await drops.AcquireLeaseAsync(Ask("d1", units: 4), CancellationToken);
        var others = await drops.AcquireLeaseAsync(Ask("d1", units: 4) with { EdgeId = "edge-2" }, CancellationToken);
        await drops.ConfirmSaleAsync(Sale(first.LeaseId, "edge-1.r1", "viewer-1"), CancellationToken);
        var head = await store.GetHeadRevisionAsync(CancellationToken);

        // Act
        var reclaimed = await drops.ReclaimLeasesAsync("edge-1", Time.GetUtcNow(), CancellationToken);
        var again = await drops.ReclaimLeasesAsync("edge-1", Time.GetUtcNow(), CancellationToken);
        var lateConfirm = await drops.ConfirmSaleAsync(Sale(second.LeaseId, "edge-1.r2", "viewer-2"), CancellationToken);

        // Assert
        Assert.Equal(new ReclaimedLeases(2, first.Units - 1 + second.Units), reclaimed);
        Assert.Equal(new ReclaimedLeases(0, 0), again);
        Assert.Equal(SaleOutcome.LeaseExhausted, lateConfirm.Outcome);
        var sku = (await drops.GetDropAsync("d1", Time.GetUtcNow(), CancellationToken))!.State.Skus[0];
        Assert.Equal((1, others.Units), (sku.Sold, sku.Leased));
        Assert.Equal(head + 1, await store.GetHeadRevisionAsync(CancellationToken));
    }

    [Fact]
    public async Task FindSaleAsync_ByReservationId_OnlyUnderTheAskingEdgesLeases()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 40), CancellationToken);
        var lease = await drops.AcquireLeaseAsync(Ask("d1", units: 4), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "edge-1.r1", "viewer-1", quantity: 2, key: "k1"), CancellationToken);

        // Act
        var found = await drops.FindSaleAsync("edge-1.r1", "edge-1", CancellationToken);
        var otherEdge = await drops.FindSaleAsync("edge-1.r1", "edge-2", CancellationToken);
        var unsold = await drops.FindSaleAsync("edge-1.r2", "edge-1", CancellationToken);

        // Assert
        Assert.NotNull(found);
        Assert.Equal(("d1", "c1", "hoodie-m", "viewer-1", 2, lease.LeaseId, "k1"),
            (found.DropId, found.CreatorId, found.Sale.SkuId, found.Sale.Viewer, found.Sale.Quantity, found.Sale.LeaseId, found.Sale.IdempotencyKey));
        Assert.Null(otherEdge);
        Assert.Null(unsold);
    }
}
