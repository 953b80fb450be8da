using EdgeCommerce.Origin.Storage.Drops;

namespace EdgeCommerce.Origin.Tests.Drops;

/// <summary>
/// The size of a refill lease (issue 20): waiting buyers' units in full, extras only while the
/// origin has more free than its reserve, so the tail of a burst strands on no edge.
/// </summary>
public sealed class LeaseSizingTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 19, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// What it would catch: the opening of the <c>burst</c> benchmark. 100 units, 40 placed on each
    /// of two edges, the reserve of 20 free; each edge's 10 buyers beyond its share wait. Before,
    /// the first edge got 12 (its 10 and a quarter of the 10 left), the second found 8, and its
    /// last two buyers waited seconds for an idle edge to give the extras back.
    /// </summary>
    [Fact]
    public void Refill_OnlyTheReserveFree_BothEdgesGetExactlyTheirWaitingBuyers()
    {
        // Arrange
        var first = Ask(units: 20, wanted: 10);
        var second = Ask(units: 20, wanted: 10);

        // Act
        var toFirst = LeaseSizing.Refill(first, allocation: 100, free: 20, minUnits: 1);
        var toSecond = LeaseSizing.Refill(second, allocation: 100, free: 20 - toFirst, minUnits: 1);

        // Assert
        Assert.Equal((10, 10), (toFirst, toSecond));
    }

    [Fact]
    public void Refill_PlentyFreeAboveTheReserve_WaitingBuyersPlusAShrinkingExtra()
    {
        // Arrange: 1,000 units, 600 free, the reserve 200; 30 wait and the edge sold 100 lately.
        var ask = Ask(units: 100, wanted: 30, maxUnits: 50);

        // Act
        var units = LeaseSizing.Refill(ask, allocation: 1000, free: 600, minUnits: 1);

        // Assert: 30 + min(70 asked beyond, 50 at most, (600 − 30 − 200) ÷ 4 = 92).
        Assert.Equal(80, units);
    }

    [Fact]
    public void Refill_JustAboveTheReserve_TheExtraIsAQuarterOfWhatStaysAboveIt()
    {
        // Act: 100 units, 30 free, reserve 20, 6 wait: (30 − 6 − 20) ÷ 4 = 1 extra.
        var units = LeaseSizing.Refill(Ask(units: 20, wanted: 6), allocation: 100, free: 30, minUnits: 1);

        // Assert
        Assert.Equal(7, units);
    }

    [Fact]
    public void Refill_MoreWaitingThanFree_EverythingFree()
    {
        // Act
        var units = LeaseSizing.Refill(Ask(units: 40, wanted: 40), allocation: 100, free: 15, minUnits: 1);

        // Assert
        Assert.Equal(15, units);
    }

    [Fact]
    public void Refill_NoBuyerWaiting_TheShrinkingSizeAsBefore()
    {
        // Act: asks 40; at most 10 per lease and a quarter of the 20 free.
        var units = LeaseSizing.Refill(Ask(units: 40, wanted: 0), allocation: 100, free: 20, minUnits: 1);

        // Assert
        Assert.Equal(5, units);
    }

    [Fact]
    public void Refill_NoReserve_ExtrasShrinkWithAllThatIsFree()
    {
        // Act: no reserve configured: 10 + (20 − 10) ÷ 4.
        var units = LeaseSizing.Refill(Ask(units: 20, wanted: 10) with { ReserveFraction = 0 }, allocation: 100, free: 20, minUnits: 1);

        // Assert
        Assert.Equal(12, units);
    }

    private static LeaseAsk Ask(int units, int wanted, int maxUnits = 10)
        => new("d1", "hoodie-m", "edge-1", units, s_now, TimeSpan.FromMinutes(10), maxUnits, MinUnits: 1, WantedUnits: wanted, ReserveFraction: 0.2);
}
