namespace EdgeCommerce.Origin.Drops.Report;

/// <summary>A creator's drop report; every figure is defined in docs/drop-report.md.</summary>
internal sealed record DropReport(
    string DropId,
    string CreatorId,
    string Phase,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    DropReportFunnel Funnel,
    DropReportConversion Conversion,
    double? SoldOutAfterSeconds,
    IReadOnlyList<DropReportSku> Skus,
    DropReportTotals Totals,
    double? ExceptionsPer1000Orders,
    IReadOnlyDictionary<string, long> Exceptions,
    DropReportLatency EdgeP95Ms,
    DropReportRepeat Repeat);

internal sealed record DropReportFunnel(long Rsvps, long Queued, long Admitted, long Reserved, long Paid, long Released, long Expired);

internal sealed record DropReportConversion(double? RsvpToPaid, double? ReservedToPaid);

internal sealed record DropReportSku(string SkuId, int Allocation, int Sold, long? RevenueMinor, string? Currency, long? UnitCostMinor, long? MarginMinor);

internal sealed record DropReportTotals(long Orders, long Units, long? RevenueMinor, string? Currency, long? MarginMinor);

internal sealed record DropReportLatency(double? Reserve, double? Confirm);

internal sealed record DropReportRepeat(long Buyers, long RepeatBuyers, double? MedianDaysToFirstRepeat);
