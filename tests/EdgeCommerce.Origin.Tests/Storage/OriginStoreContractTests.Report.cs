using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Drops;
using Google.Protobuf;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>The drop report's part of the store contract (issue 16), run against SQLite and PostgreSQL alike.</summary>
public abstract partial class OriginStoreContractTests
{
    /// <summary>
    /// A sale keeps the price and unit cost of the moment it was made: a later catalog push (new
    /// price, new cost) changes neither; a retried confirm marks it reconciled; a cancel keeps the
    /// sale and its units sold, once.
    /// </summary>
    [Fact]
    public async Task ConfirmSaleAsync_KeepsThePriceAndCostOfTheSale_CancelAndReconcileAreRecorded()
    {
        // Arrange: c1 sells hoodie-m at 59.00 EUR, costing 21.00.
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(PricedCatalog("c1", 5900, 2100), CancellationToken);
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 10, limit: 5), CancellationToken);
        var lease = await drops.AcquireLeaseAsync(Ask("d1", units: 4, minUnits: 4), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r1", "viewer-1", quantity: 2), CancellationToken);

        // Act: the price goes up, a second sale, the first confirmed again, the second cancelled twice.
        await store.PutCatalogAsync(PricedCatalog("c1", 6900, null), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r2", "viewer-2"), CancellationToken);
        var again = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r1", "viewer-1", quantity: 2), CancellationToken);
        var cancelled = await drops.CancelSaleAsync("c1", "d1", "r2", Time.GetUtcNow(), CancellationToken);
        Time.Advance(TimeSpan.FromSeconds(5));
        var cancelledAgain = await drops.CancelSaleAsync("c1", "d1", "r2", Time.GetUtcNow(), CancellationToken);
        var otherCreator = await drops.CancelSaleAsync("c2", "d1", "r2", Time.GetUtcNow(), CancellationToken);
        var facts = await drops.GetReportFactsAsync("d1", Time.GetUtcNow(), CancellationToken);

        // Assert
        Assert.Equal(SaleOutcome.AlreadyConfirmed, again.Outcome);
        Assert.NotNull(cancelled?.CancelledAt);
        Assert.Equal(cancelled!.CancelledAt, cancelledAgain?.CancelledAt);
        Assert.Null(otherCreator);
        Assert.NotNull(facts);
        var sales = facts.Sales.ToDictionary(static s => s.ReservationId);
        Assert.Equal((5900L, "EUR", 2100L, true, false), (sales["r1"].PriceMinor, sales["r1"].Currency, sales["r1"].UnitCostMinor, sales["r1"].Reconciled, sales["r1"].CancelledAt is not null));
        Assert.Equal((6900L, "EUR", (long?)null, false, true), (sales["r2"].PriceMinor, sales["r2"].Currency, sales["r2"].UnitCostMinor, sales["r2"].Reconciled, sales["r2"].CancelledAt is not null));
        Assert.Equal(3, facts.State.Skus[0].Sold);
        Assert.Equal(new SkuPrice(6900, "EUR", null), facts.Catalog["hoodie-m"]);
    }

    /// <summary>Edges' funnel reports: the newest per (drop, edge, boot) wins, whatever order they arrive in; boots and edges add up.</summary>
    [Fact]
    public async Task RecordFunnelsAsync_NewestReportPerBootWins_BootsAndEdgesAddUp()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 10), CancellationToken);

        // Act: edge-1's second report arrives before its first (another origin replica was slow).
        await drops.RecordFunnelsAsync([Funnel("edge-1", "boot-a", 2, reserved: 7, bucket3: 5)], CancellationToken);
        await drops.RecordFunnelsAsync([Funnel("edge-1", "boot-a", 1, reserved: 4, bucket3: 2)], CancellationToken);
        await drops.RecordFunnelsAsync([Funnel("edge-1", "boot-b", 1, reserved: 3, bucket3: 1), Funnel("edge-2", "boot-c", 9, reserved: 10, bucket3: 4)], CancellationToken);
        var facts = await drops.GetReportFactsAsync("d1", Time.GetUtcNow(), CancellationToken);

        // Assert
        Assert.Equal(20, facts!.Funnel.Reserved);
        Assert.Equal(10, facts.Funnel.ConfirmBuckets[3]);
    }

    /// <summary>A database at drop schema 2 (before issue 16) keeps its sales; their price stays unknown (null), never made up.</summary>
    [Fact]
    public async Task InitializeAsync_DropSchemaVersion2_AddsTheSaleColumnsAndKeepsTheSales()
    {
        // Arrange: a sale, then drop_sales put back the way schema 2 had it.
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 10, limit: 2), CancellationToken);
        var lease = await drops.AcquireLeaseAsync(Ask("d1", units: 4, minUnits: 4), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r1", "viewer-1", key: "k1"), CancellationToken);
        await CloseStoreAsync(store);
        await ExecuteSqlAsync($"""
            DROP TABLE drop_sales;
            DROP TABLE drop_exceptions;
            DROP TABLE drop_edge_funnels;
            ALTER TABLE drop_leases DROP COLUMN held;
            ALTER TABLE drop_leases DROP COLUMN held_until_ms;
            CREATE TABLE drop_sales (reservation_id TEXT PRIMARY KEY, drop_id TEXT NOT NULL, creator_id TEXT NOT NULL, sku_id TEXT NOT NULL, viewer TEXT NOT NULL,
                idempotency_key TEXT NOT NULL, quantity BIGINT NOT NULL, lease_id TEXT NOT NULL, confirmed_at_ms BIGINT NOT NULL);
            INSERT INTO drop_sales VALUES ('r1', 'd1', 'c1', 'hoodie-m', 'viewer-1', 'k1', 1, '{lease.LeaseId}', 0);
            UPDATE meta SET value = 2 WHERE key = 'drops_schema';
            """);

        // Act
        store = await OpenStoreAsync();
        drops = Drops(store);
        var duplicate = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r2", "viewer-1", key: "k1"), CancellationToken);
        var facts = await drops.GetReportFactsAsync("d1", Time.GetUtcNow(), CancellationToken);

        // Assert
        Assert.Equal(SaleOutcome.Duplicate, duplicate.Outcome);
        var sale = Assert.Single(facts!.Sales);
        Assert.Equal(("r1", (long?)null, true), (sale.ReservationId, sale.PriceMinor, sale.Reconciled));
        Assert.Equal([DropSql.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)], await QuerySqlAsync("SELECT value FROM meta WHERE key = 'drops_schema';"));
    }

    /// <summary>Repeat purchases are per (creator, viewer) across the creator's drops; another creator's buyer with the same sub is not one.</summary>
    [Fact]
    public async Task GetReportFactsAsync_Purchases_AreTheBuyersFirstPurchasePerDropOfThisCreator()
    {
        // Arrange: viewer-1 buys in c1's d1, then (a day later) in c1's d2; c2's d3 sells to a viewer-1 of its own.
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 10), CancellationToken);
        await drops.PutDropAsync(NewDrop("c2", "d3", units: 10), CancellationToken);
        var lease1 = await drops.AcquireLeaseAsync(Ask("d1", units: 4, minUnits: 4), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease1.LeaseId, "r1", "viewer-1"), CancellationToken);
        var lease3 = await drops.AcquireLeaseAsync(Ask("d3", units: 4, minUnits: 4), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease3.LeaseId, "r3", "viewer-1") with { DropId = "d3" }, CancellationToken);
        Time.Advance(TimeSpan.FromDays(1));
        await drops.PutDropAsync(NewDrop("c1", "d2", units: 10), CancellationToken);
        var lease2 = await drops.AcquireLeaseAsync(Ask("d2", units: 4, minUnits: 4), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease2.LeaseId, "r2", "viewer-1") with { DropId = "d2" }, CancellationToken);

        // Act
        var facts = await drops.GetReportFactsAsync("d1", Time.GetUtcNow(), CancellationToken);

        // Assert
        Assert.Equal(["d1", "d2"], facts!.Purchases.Select(static p => p.DropId).Order(StringComparer.Ordinal));
        Assert.Equal(TimeSpan.FromDays(1), facts.Purchases.Single(static p => p.DropId == "d2").FirstAt - facts.Purchases.Single(static p => p.DropId == "d1").FirstAt);
    }

    private static EdgeFunnelReport Funnel(string edgeId, string bootId, long sequence, long reserved, long bucket3)
    {
        var counts = new DropFunnelCounts { DropId = "d1", Reserved = reserved };
        counts.ConfirmLatencyBuckets.Add([0, 0, 0, bucket3]);
        return new EdgeFunnelReport(edgeId, bootId, sequence, [counts]);
    }

    /// <summary>c's catalog: one product (hoodie-m) at <paramref name="priceMinor"/> EUR, its SKU costing <paramref name="costMinor"/>.</summary>
    private CatalogWrite PricedCatalog(string creatorId, long priceMinor, long? costMinor)
    {
        var cost = costMinor is { } value ? $",\"unitCostMinor\":{value}" : "";
        var document = $"{{\"products\":[{{\"id\":\"p1\",\"price\":{{\"amountMinor\":{priceMinor},\"currency\":\"EUR\"}},\"skus\":[{{\"id\":\"hoodie-m\",\"label\":\"M\"{cost}}}]}}]}}";
        return new CatalogWrite(creatorId, document, SHA256.HashData(Encoding.UTF8.GetBytes(document)), 1, null,
            revision =>
            {
                var product = new Product { Id = "p1", Title = "Tour hoodie", Price = new Money { AmountMinor = priceMinor, Currency = "EUR" } };
                product.Skus.Add(new Sku { Id = "hoodie-m", Label = "M" });
                return new CreatorCatalog { CreatorId = creatorId, Revision = revision, Products = { product } }.ToByteArray();
            },
            Time.GetUtcNow(), false);
    }
}
