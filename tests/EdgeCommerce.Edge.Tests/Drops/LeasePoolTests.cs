using EdgeCommerce.Edge.Drops;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>The edge's use of a lease near its end: the clock-skew margin and the units it gives back.</summary>
public sealed class LeasePoolTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan s_margin = TimeSpan.FromSeconds(5);

    [Fact]
    public void TryTake_NearTheLeasesEnd_ReservationEndsAMarginBeforeAndStopsWhenLessThanHalfTheTtlIsLeft()
    {
        // Arrange: the origin says the lease ends in 3 minutes.
        var pool = new LeasePool("d1", "s1", 4);
        var lease = new InventoryLease("l1", 10, s_now.AddMinutes(3));
        pool.Add(lease);

        // Act
        var early = pool.TryTake(1, s_now, s_ttl, s_margin);
        var late = pool.TryTake(1, s_now.AddSeconds(90), s_ttl, s_margin);
        var lastUsable = pool.TryTake(1, lease.ExpiresAt - s_margin - (s_ttl / 2), s_ttl, s_margin);
        var tooLate = pool.TryTake(1, lease.ExpiresAt - s_margin - (s_ttl / 2) + TimeSpan.FromSeconds(1), s_ttl, s_margin);

        // Assert
        Assert.Equal(s_now + s_ttl, early!.Value.ExpiresAt);
        Assert.Equal(lease.ExpiresAt - s_margin, late!.Value.ExpiresAt);
        Assert.Equal(lease.ExpiresAt - s_margin, lastUsable!.Value.ExpiresAt);
        Assert.Null(tooLate);
        Assert.Equal(3, lease.Held);
    }

    [Fact]
    public void CollectUnusable_LeasePastItsUsableWindow_GivesBackOnlyFreeUnitsAndForgetsItOnceExpiredAndEmpty()
    {
        // Arrange
        var pool = new LeasePool("d1", "s1", 4);
        var lease = new InventoryLease("l1", 5, s_now.AddMinutes(3));
        pool.Add(lease);
        var held = pool.TryTake(2, s_now, s_ttl, s_margin)!.Value;
        pool.Sell(held.Lease, 1);

        // Act
        var whileUsable = pool.CollectUnusable(s_now, s_ttl, s_margin);
        var afterWindow = pool.CollectUnusable(s_now.AddMinutes(2), s_ttl, s_margin);
        pool.Release(lease, 1);
        var afterRelease = pool.CollectUnusable(s_now.AddMinutes(2), s_ttl, s_margin);
        var free = pool.FreeUnits(s_now.AddMinutes(4), s_margin);

        // Assert: 5 units, 1 sold, 1 held: 3 go back; the released one goes back next.
        Assert.Empty(whileUsable);
        Assert.Equal([("l1", 3)], afterWindow.Select(static r => (r.Lease.Id, r.Units)));
        Assert.Equal([("l1", 1)], afterRelease.Select(static r => (r.Lease.Id, r.Units)));
        Assert.Equal((1, 0, 1), (lease.Units, lease.Held, lease.Sold));
        Assert.Equal(0, free);
    }
}
