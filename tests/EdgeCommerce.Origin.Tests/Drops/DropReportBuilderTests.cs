using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Drops.Report;
using EdgeCommerce.Origin.Storage.Drops;

namespace EdgeCommerce.Origin.Tests.Drops;

/// <summary>The report's definitions (docs/drop-report.md), in memory: each figure from facts whose answer is counted by hand.</summary>
public sealed class DropReportBuilderTests
{
    private static readonly DateTimeOffset s_start = new(2026, 5, 1, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Build_SoldOutDrop_FiguresFollowTheDefinitions()
    {
        // Arrange: 3 hoodies (59.00, cost 21.00) and 2 caps (25.00, no cost); 10 minutes of early access.
        // Sales: a (RSVP'd) 2 hoodies, b (RSVP'd) 1 hoodie then cancelled, c 1 hoodie reconciled, d 2 caps.
        var state = State((SkuId: "hoodie", Allocation: 4, Sold: 4), (SkuId: "cap", Allocation: 2, Sold: 2));
        SaleRecord[] sales =
        [
            Sale("r1", "hoodie", "a", 2, minutes: 1, 5900, 2100),
            Sale("r2", "hoodie", "b", 1, minutes: 2, 5900, 2100) with { CancelledAt = s_start.AddMinutes(30) },
            Sale("r3", "hoodie", "c", 1, minutes: 3, 5900, 2100) with { Reconciled = true },
            Sale("r4", "cap", "d", 2, minutes: 4, 2500, null),
        ];
        var funnel = new EdgeFunnelTotals();
        var reserveBuckets = new long[DropLatencyHistogram.BucketCount];
        reserveBuckets[DropLatencyHistogram.IndexOf(10)] = 100;
        funnel.Add(queued: 20, admitted: 12, reserved: 8, released: 2, expired: 1, confirmFailed: 1, reserveBuckets, new long[3]);
        var facts = new DropReportFacts("c1", state, new HashSet<string>(["a", "b", "x", "y"], StringComparer.Ordinal), sales,
            new Dictionary<string, long> { ["lease_exhausted"] = 1 }, funnel,
            [new BuyerPurchase("a", "d0", s_start.AddDays(-3)), new BuyerPurchase("a", "d1", s_start.AddMinutes(1)),
             new BuyerPurchase("c", "d1", s_start.AddMinutes(3)), new BuyerPurchase("c", "d2", s_start.AddDays(1).AddMinutes(3)),
             new BuyerPurchase("d", "d1", s_start.AddMinutes(4))],
            new Dictionary<string, SkuPrice> { ["hoodie"] = new(5900, "EUR", 2100), ["cap"] = new(2500, "EUR", null) });

        // Act
        var report = DropReportBuilder.Build(facts, s_start.AddHours(3));

        // Assert
        Assert.Equal("closed", report.Phase);
        Assert.Equal(new DropReportFunnel(Rsvps: 4, Queued: 20, Admitted: 12, Reserved: 8, Paid: 3, Released: 2, Expired: 1), report.Funnel);
        // RSVP'd and bought (a; b's purchase was cancelled) / RSVP'd; standing orders / reservations.
        Assert.Equal(new DropReportConversion(0.25, 0.375), report.Conversion);
        // The last sale (r4, 4 minutes after the start) from the opening of early access (10 minutes before).
        Assert.Equal(14 * 60, report.SoldOutAfterSeconds);
        Assert.Equal(
        [
            new DropReportSku("hoodie", 4, 4, 3 * 5900, "EUR", 2100, 3 * (5900 - 2100)),
            new DropReportSku("cap", 2, 2, 2 * 2500, "EUR", null, null),
        ], report.Skus);
        Assert.Equal(new DropReportTotals(Orders: 3, Units: 5, RevenueMinor: (3 * 5900) + (2 * 2500), Currency: "EUR", MarginMinor: null), report.Totals);
        Assert.Equal(1, report.Exceptions["confirm_failed"]);
        Assert.Equal(1, report.Exceptions["reconciled"]);
        Assert.Equal(1, report.Exceptions["cancelled"]);
        Assert.Equal(1, report.Exceptions["lease_exhausted"]);
        Assert.Equal(0, report.Exceptions["idempotency_conflict"]);
        // 4 exceptions over 4 orders confirmed (the cancelled one included).
        Assert.Equal(1000.0, report.ExceptionsPer1000Orders);
        Assert.InRange(report.EdgeP95Ms.Reserve!.Value, DropLatencyHistogram.UpperBound(DropLatencyHistogram.IndexOf(10) - 1), 10 * 1.2);
        Assert.Null(report.EdgeP95Ms.Confirm);
        // Buyers a, c, d; a and c bought in another drop: 3 days before (a), 1 day after (c).
        Assert.Equal(new DropReportRepeat(Buyers: 3, RepeatBuyers: 2, MedianDaysToFirstRepeat: 2.0), report.Repeat);
    }

    [Fact]
    public void Build_NoRsvpsNoSalesNotSoldOut_RatiosAreNullNotZero()
    {
        // Arrange
        var facts = new DropReportFacts("c1", State((SkuId: "hoodie", Allocation: 4, Sold: 0)), new HashSet<string>(), [],
            new Dictionary<string, long>(), new EdgeFunnelTotals(), [], new Dictionary<string, SkuPrice> { ["hoodie"] = new(5900, "EUR", 2100) });

        // Act
        var report = DropReportBuilder.Build(facts, s_start.AddMinutes(5));

        // Assert
        Assert.Equal("open", report.Phase);
        Assert.Equal(new DropReportConversion(null, null), report.Conversion);
        Assert.Null(report.SoldOutAfterSeconds);
        Assert.Null(report.ExceptionsPer1000Orders);
        Assert.Equal(new DropReportSku("hoodie", 4, 0, 0, "EUR", 2100, 0), Assert.Single(report.Skus));
        Assert.Equal(new DropReportRepeat(0, 0, null), report.Repeat);
    }

    private static DropState State(params (string SkuId, int Allocation, int Sold)[] skus)
    {
        var state = new DropState
        {
            DropId = "d1",
            CreatorId = "c1",
            StartsAtUnixMs = s_start.ToUnixTimeMilliseconds(),
            EndsAtUnixMs = s_start.AddHours(2).ToUnixTimeMilliseconds(),
            EarlyAccessMinutes = 10,
            EarlyAccessAudience = "rsvp",
            PerViewerLimit = 2,
        };
        state.Skus.Add(skus.Select(static s => new DropSku { SkuId = s.SkuId, Allocation = s.Allocation, Sold = s.Sold }));
        return state;
    }

    private static SaleRecord Sale(string id, string sku, string viewer, int quantity, int minutes, long price, long? cost)
        => new(id, sku, viewer, "", quantity, "lease", s_start.AddMinutes(minutes)) { PriceMinor = price, Currency = "EUR", UnitCostMinor = cost };
}
