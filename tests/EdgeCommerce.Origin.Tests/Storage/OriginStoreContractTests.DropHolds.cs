using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage.Drops;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>Units held by the edges' live reservations (issue 15 §1), run against SQLite and PostgreSQL alike.</summary>
public abstract partial class OriginStoreContractTests
{
    /// <summary>
    /// A report of held units is one revision whose state carries them with the lease's expiry;
    /// available = allocation − sold − held (not the lease's size); a sale stops counting as held at
    /// once; another edge cannot speak for the lease; and when the lease ends (its edge died) the
    /// published state alone shows the units back, without another write. Before: the state carried
    /// only <c>leased</c>, so one reservation showed the lease's size missing and expiry reached no edge.
    /// </summary>
    [Fact]
    public async Task ReportHoldsAsync_HeldUnits_ArePublishedAndCountOnlyUntilTheLeaseEnds()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 40), CancellationToken);
        var lease = await drops.AcquireLeaseAsync(Ask("d1", units: 4, minUnits: 4), CancellationToken);
        var head = await store.GetHeadRevisionAsync(CancellationToken);

        // Act
        var applied = await drops.ReportHoldsAsync("d1", "edge-1", [new LeaseHoldReport(lease.LeaseId, 2, Time.GetUtcNow().AddSeconds(30))], Time.GetUtcNow(), CancellationToken);
        var reported = DropState.Parser.ParseFrom(Assert.Single(await store.ReadChangesAsync(head, 10, CancellationToken)).Payload);
        var sameAgain = await drops.ReportHoldsAsync("d1", "edge-1", [new LeaseHoldReport(lease.LeaseId, 2, Time.GetUtcNow().AddSeconds(30))], Time.GetUtcNow(), CancellationToken);
        var headAfterSame = await store.GetHeadRevisionAsync(CancellationToken);
        var otherEdge = await drops.ReportHoldsAsync("d1", "edge-2", [new LeaseHoldReport(lease.LeaseId, 0, null)], Time.GetUtcNow(), CancellationToken);
        var tooMany = await drops.ReportHoldsAsync("d1", "edge-1", [new LeaseHoldReport(lease.LeaseId, 99, null)], Time.GetUtcNow(), CancellationToken);
        var clamped = (await drops.GetDropAsync("d1", Time.GetUtcNow(), CancellationToken))!.State.Skus[0];
        await drops.ReportHoldsAsync("d1", "edge-1", [new LeaseHoldReport(lease.LeaseId, 2, null)], Time.GetUtcNow(), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r1", "viewer-1"), CancellationToken);
        var afterSale = DropState.Parser.ParseFrom((await store.ReadChangesAsync(await store.GetHeadRevisionAsync(CancellationToken) - 1, 10, CancellationToken))[^1].Payload);

        // Assert
        Assert.Equal(1, applied);
        var hold = Assert.Single(reported.Skus[0].Holds);
        Assert.Equal((2, lease.ExpiresAt.ToUnixTimeMilliseconds()), (hold.Units, hold.ExpiresAtUnixMs));
        Assert.Equal(38, DropStock.Available(reported.Skus[0], Time.GetUtcNow()));
        Assert.Equal((1, head + 1), (sameAgain, headAfterSame));
        Assert.Equal(0, otherEdge);
        Assert.Equal(1, tooMany);
        Assert.Equal((4, 36), (DropStock.Held(clamped, Time.GetUtcNow()), DropStock.Available(clamped, Time.GetUtcNow())));
        Assert.Equal((1, 1, 38), (afterSale.Skus[0].Sold, DropStock.Held(afterSale.Skus[0], Time.GetUtcNow()), DropStock.Available(afterSale.Skus[0], Time.GetUtcNow())));
        Time.Advance(s_lease);
        Assert.Equal(39, DropStock.Available(afterSale.Skus[0], Time.GetUtcNow()));
        Assert.Equal(39, DropStock.Available((await drops.GetDropAsync("d1", Time.GetUtcNow(), CancellationToken))!.State.Skus[0], Time.GetUtcNow()));
    }

    /// <summary>
    /// "Nothing free" says when a unit is likely back: the earliest reservation expiry an edge
    /// reported, not the lease's end (which it still is when no edge reported a reservation).
    /// </summary>
    [Fact]
    public async Task AcquireLeaseAsync_NoneFree_NextExpiryIsTheEarliestReportedReservationExpiry()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 4), CancellationToken);
        var lease = await drops.AcquireLeaseAsync(Ask("d1", units: 4, minUnits: 4), CancellationToken);
        var before = await drops.AcquireLeaseAsync(Ask("d1", units: 1), CancellationToken);

        // Act
        await drops.ReportHoldsAsync("d1", "edge-1", [new LeaseHoldReport(lease.LeaseId, 4, Time.GetUtcNow().AddSeconds(15))], Time.GetUtcNow(), CancellationToken);
        var after = await drops.AcquireLeaseAsync(Ask("d1", units: 1), CancellationToken);

        // Assert
        Assert.Equal((LeaseRefusal.NoneFree, Time.GetUtcNow() + s_lease), (before.Refusal, before.NextExpiry));
        Assert.Equal((LeaseRefusal.NoneFree, Time.GetUtcNow().AddSeconds(15)), (after.Refusal, after.NextExpiry));
    }
}
