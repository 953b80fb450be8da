using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Drops.Admission;

namespace EdgeCommerce.Edge.Tests.Drops.Admission;

/// <summary>
/// The room's capacity follows the units this edge could still hand out (unleased at the origin,
/// or free in its own leases), not the units unsold: units held by reservations count for nobody,
/// and units that come back count again.
/// </summary>
public sealed class RoomCapacityTests
{
    private static readonly AdmissionOptions s_twoPerUnit = new() { ViewersPerUnsoldUnit = 2, MaxAdmitted = 500 };

    [Theory]
    // allocation, sold, leased (all edges), free in this edge's leases -> capacity
    [InlineData(65, 0, 0, 0, 130)]   // nothing leased yet: every unit
    [InlineData(65, 0, 20, 4, 98)]   // 45 the origin would lease + 4 free here
    [InlineData(65, 10, 55, 0, 1)]   // every unsold unit held: one viewer at a time, until one comes back
    [InlineData(65, 10, 55, 3, 6)]   // three reservations here released or expired: back in the lease
    [InlineData(65, 10, 40, 0, 30)]  // another edge returned (or its lease ended with) 15 units
    [InlineData(65, 65, 0, 0, 0)]    // sold out
    [InlineData(400, 0, 0, 0, 500)]  // never above MaxAdmitted
    public void Of_UnitsThisEdgeCouldHandOut_TimesViewersPerUnit(int allocation, int sold, int leased, int localFree, int expected)
    {
        // Arrange
        var drop = new DropState { DropId = "d1", Skus = { new DropSku { SkuId = "s", Allocation = allocation, Sold = sold, Leased = leased } } };

        // Act
        var capacity = RoomCapacity.Of(drop, _ => localFree, s_twoPerUnit);

        // Assert
        Assert.Equal(expected, capacity);
    }

    [Fact]
    public void Of_SeveralSkus_SumsThemAndAStockCapOfZeroMeansMaxAdmitted()
    {
        // Arrange
        var drop = new DropState
        {
            DropId = "d1",
            Skus =
            {
                new DropSku { SkuId = "m", Allocation = 10, Sold = 2, Leased = 8 },
                new DropSku { SkuId = "l", Allocation = 10, Sold = 0, Leased = 4 },
            },
        };
        var free = new Dictionary<string, int> { ["m"] = 1, ["l"] = 2 };

        // Act
        var capacity = RoomCapacity.Of(drop, sku => free[sku], new AdmissionOptions { ViewersPerUnsoldUnit = 1.5, MaxAdmitted = 500 });
        var uncapped = RoomCapacity.Of(drop, sku => free[sku], new AdmissionOptions { ViewersPerUnsoldUnit = 0, MaxAdmitted = 70 });

        // Assert: (0 + 1) + (6 + 2) = 9 units, 13.5 viewers rounded up.
        Assert.Equal(14, capacity);
        Assert.Equal(70, uncapped);
    }
}
