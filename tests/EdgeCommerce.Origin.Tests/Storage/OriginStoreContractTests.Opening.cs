using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage.Drops;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>
/// The opening of a drop (issue 20), on SQLite and PostgreSQL alike: lease requests committed in
/// one transaction, waiting buyers' totals granted in full, stock placed before the open with a
/// reserve kept, and a cancelled drop's leases ended.
/// </summary>
public abstract partial class OriginStoreContractTests
{
    [Fact]
    public async Task AcquireLeasesAsync_ManyAsksInOneTransaction_EachSeesTheOnesBeforeItAndEachIsARevision()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 10), CancellationToken);
        var head = await store.GetHeadRevisionAsync(CancellationToken);

        // Act: each asks for 4 units 4 buyers wait for; 10 are free.
        var grants = await drops.AcquireLeasesAsync([Ask("d1", 4) with { WantedUnits = 4 }, Ask("d1", 4) with { WantedUnits = 4 }, Ask("d1", 4) with { WantedUnits = 4 }, Ask("d1", 4)],
            CancellationToken);

        // Assert: 4, 4, then the 2 left, then nothing; one change record per grant, in order, and
        // the invariant in each (on the old code a second record in one transaction threw).
        Assert.Equal([4, 4, 2, 0], grants.Select(static g => g.Units));
        Assert.Equal(LeaseRefusal.NoneFree, grants[3].Refusal);
        var changes = await store.ReadChangesAsync(head, 10, CancellationToken);
        Assert.Equal([head + 1, head + 2, head + 3], changes.Select(static c => c.Revision));
        Assert.Equal([4, 8, 10], changes.Select(static c => DropState.Parser.ParseFrom(c.Payload).Skus[0].Leased));
        Assert.Equal(head + 3, await store.GetHeadRevisionAsync(CancellationToken));
    }

    [Fact]
    public async Task AcquireLeaseAsync_BuyersWaiting_TheirTotalIsGrantedBeyondTheShrinkingSize()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 100), CancellationToken);

        // Act: MaxUnits is 10 and a quarter of 100 is 25; 40 buyers wait.
        var waiting = await drops.AcquireLeaseAsync(Ask("d1", 40) with { WantedUnits = 40 }, CancellationToken);
        var refill = await drops.AcquireLeaseAsync(Ask("d1", 40), CancellationToken);

        // Assert
        Assert.Equal(40, waiting.Units);
        Assert.Equal(10, refill.Units);
    }

    [Fact]
    public async Task AcquireLeaseAsync_BeforeTheOpen_OnlyPlacementWithinTheLeadEachEdgeItsShareAndTheReserveStays()
    {
        // Arrange: 100 units, opening in 5 minutes with 2 minutes of early access.
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 100, startsIn: TimeSpan.FromMinutes(5), earlyMinutes: 2), CancellationToken);
        var placement = new LeasePlacement(TimeSpan.FromMinutes(1), Share: 0.5, ReserveFraction: 0.2);

        // Act
        var refill = await drops.AcquireLeaseAsync(Ask("d1", 10), CancellationToken);
        var tooEarly = await drops.AcquireLeaseAsync(Ask("d1", 1000) with { Placement = placement }, CancellationToken);
        Time.Advance(TimeSpan.FromMinutes(2)); // 1 minute before early access
        var first = await drops.AcquireLeaseAsync(Ask("d1", 1000) with { Placement = placement }, CancellationToken);
        var second = await drops.AcquireLeaseAsync(Ask("d1", 1000) with { EdgeId = "edge-2", Placement = placement }, CancellationToken);
        var third = await drops.AcquireLeaseAsync(Ask("d1", 1000) with { EdgeId = "edge-3", Placement = placement }, CancellationToken);
        var stillScheduledRefill = await drops.AcquireLeaseAsync(Ask("d1", 10), CancellationToken);

        // Assert: half of (100 − 20) each; the reserve of 20 is never placed.
        Assert.Equal(LeaseRefusal.NotSelling, refill.Refusal);
        Assert.Equal(LeaseRefusal.NotSelling, tooEarly.Refusal);
        Assert.Equal((LeaseRefusal.None, 40), (first.Refusal, first.Units));
        Assert.Equal((LeaseRefusal.None, 40), (second.Refusal, second.Units));
        Assert.Equal(LeaseRefusal.NoneFree, third.Refusal);
        Assert.Equal(LeaseRefusal.NotSelling, stillScheduledRefill.Refusal);
        Assert.Equal(80, (await drops.GetDropAsync("d1", Time.GetUtcNow(), CancellationToken))!.State.Skus[0].Leased);
    }

    [Fact]
    public async Task CancelDropAsync_WithLeasesOut_EndsThemAndKeepsWhatSold()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 20, limit: 5), CancellationToken);
        var lease = await drops.AcquireLeaseAsync(Ask("d1", 10) with { WantedUnits = 10 }, CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r1", "viewer-1", quantity: 3), CancellationToken);

        // Act
        await drops.CancelDropAsync("c1", "d1", Time.GetUtcNow(), CancellationToken);

        // Assert: the 7 unsold units are no edge's any more; the 3 sold stay sold.
        var sku = (await drops.GetDropAsync("d1", Time.GetUtcNow(), CancellationToken))!.State.Skus[0];
        Assert.Equal((10, 3, 0), (lease.Units, sku.Sold, sku.Leased));
    }
}
