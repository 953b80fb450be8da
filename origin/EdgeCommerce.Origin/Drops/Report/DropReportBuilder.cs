using EdgeCommerce.Contracts;
using EdgeCommerce.Origin.Storage.Drops;

namespace EdgeCommerce.Origin.Drops.Report;

/// <summary>
/// Turns a drop's raw facts into the report's figures: the one implementation of the definitions
/// in docs/drop-report.md (the API, the CLI and the page all show what this computes). Pure, so the
/// definitions are tested in memory.
/// </summary>
internal static class DropReportBuilder
{
    /// <summary>Every exception kind, listed with 0 when none happened, so the shape never changes.</summary>
    public static readonly IReadOnlyList<string> Kinds =
    [
        ExceptionKinds.ConfirmFailed, ExceptionKinds.Reconciled, ExceptionKinds.Cancelled,
        ExceptionKinds.LeaseExhausted, ExceptionKinds.IdempotencyConflict, ExceptionKinds.ReservationConflict,
    ];

    public static DropReport Build(DropReportFacts facts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var state = facts.State;
        var standing = facts.Sales.Where(static sale => sale.CancelledAt is null).ToList();
        var buyers = standing.Select(static sale => sale.Viewer).ToHashSet(StringComparer.Ordinal);

        var funnel = new DropReportFunnel(facts.Rsvps.Count, facts.Funnel.Queued, facts.Funnel.Admitted, facts.Funnel.Reserved,
            standing.Count, facts.Funnel.Released, facts.Funnel.Expired);
        var conversion = new DropReportConversion(
            Ratio(facts.Rsvps.Count(buyers.Contains), facts.Rsvps.Count),
            Ratio(standing.Count, facts.Funnel.Reserved));

        var skus = state.Skus.Select(sku => Sku(sku.SkuId, sku.Allocation, sku.Sold, standing, facts.Catalog)).ToList();
        var currencies = skus.Where(static sku => sku.RevenueMinor is not null && sku.Currency is not null).Select(static sku => sku.Currency).Distinct(StringComparer.Ordinal).ToList();
        var oneCurrency = currencies.Count <= 1 && skus.All(static sku => sku.RevenueMinor is not null);
        var totals = new DropReportTotals(
            standing.Count,
            standing.Sum(static sale => (long)sale.Quantity),
            oneCurrency ? skus.Sum(static sku => sku.RevenueMinor!.Value) : null,
            currencies.Count == 1 ? currencies[0] : null,
            oneCurrency && skus.All(static sku => sku.MarginMinor is not null) ? skus.Sum(static sku => sku.MarginMinor!.Value) : null);

        var exceptions = Kinds.ToDictionary(static kind => kind, kind => facts.Exceptions.GetValueOrDefault(kind), StringComparer.Ordinal);
        exceptions[ExceptionKinds.ConfirmFailed] += facts.Funnel.ConfirmFailed;
        exceptions[ExceptionKinds.Reconciled] += facts.Sales.Count(static sale => sale.Reconciled);
        exceptions[ExceptionKinds.Cancelled] += facts.Sales.Count(static sale => sale.CancelledAt is not null);
        var perThousand = facts.Sales.Count == 0 ? (double?)null : Math.Round(exceptions.Values.Sum() * 1000.0 / facts.Sales.Count, 1);

        return new DropReport(
            state.DropId,
            facts.CreatorId,
            DropPhases.Name(DropPhases.Of(state, now)),
            DropPhases.StartsAt(state),
            DropPhases.EndsAt(state),
            funnel,
            conversion,
            SoldOutAfter(facts),
            skus,
            totals,
            perThousand,
            exceptions,
            new DropReportLatency(P95(facts.Funnel.ReserveBuckets), P95(facts.Funnel.ConfirmBuckets)),
            Repeat(buyers, facts.Purchases));
    }

    private static DropReportSku Sku(string skuId, int allocation, int sold, List<SaleRecord> standing, IReadOnlyDictionary<string, SkuPrice> catalog)
    {
        var sales = standing.Where(sale => string.Equals(sale.SkuId, skuId, StringComparison.Ordinal)).ToList();
        var listed = catalog.GetValueOrDefault(skuId);
        var currencies = sales.Select(static sale => sale.Currency).Distinct(StringComparer.Ordinal).ToList();
        // Revenue needs every sale priced in one currency; margin also needs every sale's cost.
        var priced = sales.All(static sale => sale.PriceMinor is not null && sale.Currency is not null) && currencies.Count <= 1;
        var currency = sales.Count > 0 ? (priced ? currencies[0] : null) : listed?.Currency;
        long? revenue = priced ? sales.Sum(static sale => sale.PriceMinor!.Value * sale.Quantity) : null;
        long? margin = sales.Count == 0
            ? (listed?.UnitCostMinor is not null ? 0 : null)
            : priced && sales.All(static sale => sale.UnitCostMinor is not null)
                ? sales.Sum(static sale => (sale.PriceMinor!.Value - sale.UnitCostMinor!.Value) * sale.Quantity)
                : null;
        return new DropReportSku(skuId, allocation, sold, revenue, currency, listed?.UnitCostMinor, margin);
    }

    /// <summary>From the opening of sales (early access included) to the sale that sold the last unit; null until every SKU sold out.</summary>
    private static double? SoldOutAfter(DropReportFacts facts)
    {
        var state = facts.State;
        if (state.Skus.Count == 0 || state.Skus.Any(static sku => sku.Sold < sku.Allocation) || facts.Sales.Count == 0)
        {
            return null;
        }

        var last = facts.Sales.Max(static sale => sale.ConfirmedAt);
        return Math.Round((last - DropPhases.EarlyAccessFrom(state)).TotalSeconds, 1);
    }

    private static DropReportRepeat Repeat(HashSet<string> buyers, IReadOnlyList<BuyerPurchase> purchases)
    {
        var days = new List<double>();
        foreach (var viewer in buyers)
        {
            var firsts = purchases.Where(p => string.Equals(p.Viewer, viewer, StringComparison.Ordinal)).Select(static p => p.FirstAt).Order().ToList();
            if (firsts.Count >= 2)
            {
                days.Add((firsts[1] - firsts[0]).TotalDays);
            }
        }

        days.Sort();
        double? median = days.Count == 0 ? null
            : days.Count % 2 == 1 ? days[days.Count / 2]
            : (days[(days.Count / 2) - 1] + days[days.Count / 2]) / 2;
        return new DropReportRepeat(buyers.Count, days.Count, median is { } value ? Math.Round(value, 2) : null);
    }

    private static double? P95(long[] buckets) => DropLatencyHistogram.Quantile(buckets, 0.95) is { } ms ? Math.Round(ms, 1) : null;

    private static double? Ratio(long part, long whole) => whole == 0 ? null : Math.Round((double)part / whole, 4);
}
