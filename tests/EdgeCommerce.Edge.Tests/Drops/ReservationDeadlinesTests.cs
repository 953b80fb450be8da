using EdgeCommerce.Edge.Drops;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>The sweep's index of reservations by deadline: what it hands out as due, and when.</summary>
public sealed class ReservationDeadlinesTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan s_margin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A reservation made later from a lease about to end (its expiry capped by the lease) is due
    /// before one made earlier from a fresh lease. Catches an index kept in creation order (a
    /// queue): the later one would wait behind the earlier, its unit and the viewer's count held
    /// past its expiry.
    /// </summary>
    [Fact]
    public void TryTakeDue_LaterReservationFromALeaseAboutToEnd_DueFirstAndAloneAtItsExpiry()
    {
        // Arrange: a fresh lease and one with 100 s left, as the pool caps a reservation's end.
        var fresh = new LeasePool("d1", "s1", 4);
        fresh.Add(new InventoryLease("fresh", 10, s_now.AddMinutes(10)));
        var ending = new LeasePool("d1", "s2", 4);
        ending.Add(new InventoryLease("ending", 10, s_now.AddSeconds(100) + s_margin));
        var deadlines = new ReservationDeadlines();
        var first = Reserve(fresh, "r1", s_now);
        var second = Reserve(ending, "r2", s_now.AddSeconds(1));
        deadlines.Add(first);
        deadlines.Add(second);

        // Act
        var beforeEither = deadlines.TryTakeDue(second.ExpiresAt.AddTicks(-1), out _);
        var atSecondsExpiry = deadlines.TryTakeDue(second.ExpiresAt, out var due);
        var anotherAtThatTime = deadlines.TryTakeDue(second.ExpiresAt, out _);
        var atFirstsExpiry = deadlines.TryTakeDue(first.ExpiresAt, out var dueLater);

        // Assert
        Assert.True(second.ExpiresAt < first.ExpiresAt);
        Assert.False(beforeEither);
        Assert.True(atSecondsExpiry);
        Assert.Same(second, due);
        Assert.False(anotherAtThatTime);
        Assert.True(atFirstsExpiry);
        Assert.Same(first, dueLater);
        Assert.Equal(0, deadlines.Count);
    }

    /// <summary>A reservation put back for later is due again at that time, not before. Catches one lost once taken.</summary>
    [Fact]
    public void Later_TakenReservationPutBack_DueAgainAtItsNewDeadlineOnly()
    {
        // Arrange
        var pool = new LeasePool("d1", "s1", 4);
        pool.Add(new InventoryLease("l1", 10, s_now.AddMinutes(10)));
        var deadlines = new ReservationDeadlines();
        var reservation = Reserve(pool, "r1", s_now);
        deadlines.Add(reservation);
        deadlines.TryTakeDue(reservation.ExpiresAt, out _);

        // Act
        deadlines.Later(reservation, reservation.ExpiresAt + s_ttl);
        var early = deadlines.TryTakeDue(reservation.ExpiresAt + s_ttl - TimeSpan.FromSeconds(1), out _);
        var onTime = deadlines.TryTakeDue(reservation.ExpiresAt + s_ttl, out var due);

        // Assert
        Assert.False(early);
        Assert.True(onTime);
        Assert.Same(reservation, due);
    }

    private static Reservation Reserve(LeasePool pool, string id, DateTimeOffset now)
    {
        var (lease, expiresAt) = pool.TryTake(1, now, s_ttl, s_margin)!.Value;
        return new Reservation(id, pool.DropId, pool.SkuId, 1, "c1", "v1", "", pool, lease, expiresAt);
    }
}
