using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Drops;
using Google.Protobuf;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>The drop part of the store contract (issue 6), run against SQLite and PostgreSQL alike.</summary>
public abstract partial class OriginStoreContractTests
{
    private static readonly TimeSpan s_lease = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task PutDropAsync_NewDrop_IsOneRevisionInTheChangeLogAndInSnapshots()
    {
        // Arrange
        var store = await OpenDropStoreAsync();

        // Act
        var result = await Drops(store).PutDropAsync(NewDrop("c1", "d1", units: 40), CancellationToken);

        // Assert
        Assert.Equal(new DropWriteResult(DropWriteOutcome.Created, 3), result);
        var change = Assert.Single(await store.ReadChangesAsync(2, 10, CancellationToken));
        Assert.Equal((3L, "c1", ChangeKind.DropChanged), (change.Revision, change.CreatorId, change.Kind));
        var state = DropState.Parser.ParseFrom(change.Payload);
        Assert.Equal(("d1", 3L, 40, 0), (state.DropId, state.Revision, state.Skus[0].Allocation, state.Skus[0].Sold));
        await using var snapshot = await store.OpenSnapshotAsync(CancellationToken);
        Assert.Equal(state, DropState.Parser.ParseFrom(Assert.Single(snapshot.Drops)));
    }

    [Fact]
    public async Task PutDropAsync_EditsAndOwnership_BeforeStartOnlyByItsCreatorAndIdenticalWritesNothing()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 40, startsIn: TimeSpan.FromMinutes(30), earlyMinutes: 10), CancellationToken);

        // Act
        var identical = await drops.PutDropAsync(NewDrop("c1", "d1", units: 40, startsIn: TimeSpan.FromMinutes(30), earlyMinutes: 10), CancellationToken);
        var otherCreator = await drops.PutDropAsync(NewDrop("c2", "d1", units: 5), CancellationToken);
        var edited = await drops.PutDropAsync(NewDrop("c1", "d1", units: 50, startsIn: TimeSpan.FromMinutes(30), earlyMinutes: 10), CancellationToken);
        Time.Advance(TimeSpan.FromMinutes(20)); // early access begins now (start − 10 minutes)
        var late = await drops.PutDropAsync(NewDrop("c1", "d1", units: 60, startsIn: TimeSpan.FromMinutes(10), earlyMinutes: 10), CancellationToken);

        // Assert
        Assert.Equal(new DropWriteResult(DropWriteOutcome.Unchanged, 3), identical);
        Assert.Equal(DropWriteOutcome.IdTaken, otherCreator.Outcome);
        Assert.Equal(new DropWriteResult(DropWriteOutcome.Updated, 4), edited);
        Assert.Equal(DropWriteOutcome.AlreadyStarted, late.Outcome);
        Assert.Equal(50, (await drops.GetDropAsync("d1", Time.GetUtcNow(), CancellationToken))!.State.Skus[0].Allocation);
        Assert.Equal(4, await store.GetHeadRevisionAsync(CancellationToken));
    }

    [Fact]
    public async Task AcquireLeaseAsync_UntilNothingIsFree_GrantsShrinkAndNeverExceedTheAllocation()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 20), CancellationToken);

        // Act
        var grants = new List<LeaseGrant>();
        LeaseGrant grant;
        while ((grant = await drops.AcquireLeaseAsync(Ask("d1", units: 10), CancellationToken)).Refusal == LeaseRefusal.None)
        {
            grants.Add(grant);
        }

        // Assert: a quarter of what is free each time (5, 3, 3, 2, ...), at least one unit, 20 in all.
        Assert.Equal(20, grants.Sum(static g => g.Units));
        Assert.Equal(5, grants[0].Units);
        Assert.Equal(grants.Select(static g => g.Units).OrderByDescending(static u => u), grants.Select(static g => g.Units));
        Assert.Equal(1, grants[^1].Units);
        Assert.Equal(LeaseRefusal.NoneFree, grant.Refusal);
        Assert.Equal(Time.GetUtcNow() + s_lease, grant.NextExpiry);
        var state = (await drops.GetDropAsync("d1", Time.GetUtcNow(), CancellationToken))!.State;
        Assert.Equal((20, 0), (state.Skus[0].Leased, state.Skus[0].Sold));
    }

    [Fact]
    public async Task AcquireLeaseAsync_AfterLeasesExpire_UnsoldUnitsComeBack()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 4), CancellationToken);
        var first = await drops.AcquireLeaseAsync(Ask("d1", units: 4, minUnits: 4), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(first.LeaseId, "r1", "viewer-1", quantity: 1), CancellationToken);

        // Act
        var whileHeld = await drops.AcquireLeaseAsync(Ask("d1", units: 1), CancellationToken);
        Time.Advance(s_lease);
        var afterExpiry = await drops.AcquireLeaseAsync(Ask("d1", units: 3, minUnits: 3), CancellationToken);

        // Assert
        Assert.Equal(4, first.Units);
        Assert.Equal(LeaseRefusal.NoneFree, whileHeld.Refusal);
        Assert.Equal((LeaseRefusal.None, 3), (afterExpiry.Refusal, afterExpiry.Units));
        Assert.Equal(1, afterExpiry.Stock!.Sold);
    }

    [Fact]
    public async Task ConfirmSaleAsync_RetriesLimitsAndExpiry_SellsEachUnitOnceWithinTheLease()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 10, limit: 2), CancellationToken);
        var lease = await drops.AcquireLeaseAsync(Ask("d1", units: 4, minUnits: 4), CancellationToken);

        // Act
        var sold = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r1", "viewer-1", key: "k1"), CancellationToken);
        var again = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r1", "viewer-1", key: "k1"), CancellationToken);
        var sameKeyOtherReservation = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r2", "viewer-1", key: "k1"), CancellationToken);
        var overLimit = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r3", "viewer-1", quantity: 2), CancellationToken);
        var second = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r4", "viewer-2"), CancellationToken);
        var third = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r5", "viewer-3", quantity: 2), CancellationToken);
        var exhausted = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r8", "viewer-4"), CancellationToken);
        var other = await drops.AcquireLeaseAsync(Ask("d1", units: 1), CancellationToken);
        Time.Advance(s_lease);
        var expired = await drops.ConfirmSaleAsync(Sale(other.LeaseId, "r6", "viewer-3"), CancellationToken);
        var unknown = await drops.ConfirmSaleAsync(Sale("no-such-lease", "r7", "viewer-3"), CancellationToken);

        // Assert
        Assert.Equal(SaleOutcome.Confirmed, sold.Outcome);
        Assert.Equal(SaleOutcome.AlreadyConfirmed, again.Outcome);
        Assert.Equal((SaleOutcome.Duplicate, "r1"), (sameKeyOtherReservation.Outcome, sameKeyOtherReservation.ReservationId));
        Assert.Equal(SaleOutcome.ViewerLimit, overLimit.Outcome);
        Assert.Equal(SaleOutcome.Confirmed, second.Outcome);
        Assert.Equal(SaleOutcome.Confirmed, third.Outcome);
        Assert.Equal(SaleOutcome.LeaseExhausted, exhausted.Outcome);
        Assert.Equal(SaleOutcome.LeaseExpired, expired.Outcome);
        Assert.Equal(SaleOutcome.NoSuchLease, unknown.Outcome);
        var sku = (await drops.GetDropAsync("d1", Time.GetUtcNow(), CancellationToken))!.State.Skus[0];
        Assert.Equal((4, 0), (sku.Sold, sku.Leased));
    }

    /// <summary>
    /// Two store instances (two origin processes on one database) lease the same SKU at once. What
    /// it would catch: a lease write that read the leased total outside the write lock, so two
    /// writers both saw the same free units and together leased more than the allocation.
    /// </summary>
    [Fact]
    public async Task AcquireLeaseAsync_TwoStoresAtOnce_NeverLeaseMoreThanTheAllocation()
    {
        // Arrange
        var a = await OpenDropStoreAsync();
        var b = await OpenDropStoreAsync();
        await Drops(a).PutDropAsync(NewDrop("c1", "d1", units: 30), CancellationToken);

        // Act
        var tasks = Enumerable.Range(0, 40).Select(i => Task.Run(() => Drops(i % 2 == 0 ? a : b).AcquireLeaseAsync(Ask("d1", units: 3), CancellationToken), CancellationToken));
        var grants = await Task.WhenAll(tasks);

        // Assert
        Assert.Equal(30, grants.Sum(static g => g.Units));
        var changes = await a.ReadChangesAsync(0, 1000, CancellationToken);
        Assert.Equal(Enumerable.Range(1, changes.Count).Select(static r => (long)r), changes.Select(static c => c.Revision));
        Assert.All(changes.Where(static c => c.Kind == ChangeKind.DropChanged).Select(static c => DropState.Parser.ParseFrom(c.Payload).Skus[0]), static sku => Assert.True(sku.Sold + sku.Leased <= sku.Allocation));
    }

    [Fact]
    public async Task CancelDropAsync_ByItsCreator_StopsLeasesAndIsRecorded()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 5), CancellationToken);

        // Act
        var wrongCreator = await drops.CancelDropAsync("c2", "d1", Time.GetUtcNow(), CancellationToken);
        var cancelled = await drops.CancelDropAsync("c1", "d1", Time.GetUtcNow(), CancellationToken);
        var twice = await drops.CancelDropAsync("c1", "d1", Time.GetUtcNow(), CancellationToken);
        var lease = await drops.AcquireLeaseAsync(Ask("d1", units: 1), CancellationToken);

        // Assert
        Assert.Equal(DropWriteOutcome.NotFound, wrongCreator.Outcome);
        Assert.Equal(new DropWriteResult(DropWriteOutcome.Cancelled, 4), cancelled);
        Assert.Equal(DropWriteOutcome.Unchanged, twice.Outcome);
        Assert.Equal(LeaseRefusal.NotSelling, lease.Refusal);
        Assert.True(DropState.Parser.ParseFrom((await store.ReadChangesAsync(3, 10, CancellationToken))[0].Payload).Cancelled);
    }

    [Fact]
    public async Task RsvpAsync_Repeated_IsRecordedOnceWithoutARevision()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 5, startsIn: TimeSpan.FromHours(1)), CancellationToken);

        // Act
        var first = await drops.RsvpAsync("d1", "viewer-1", Time.GetUtcNow(), CancellationToken);
        var second = await drops.RsvpAsync("d1", "viewer-1", Time.GetUtcNow(), CancellationToken);
        var unknownDrop = await drops.RsvpAsync("nope", "viewer-1", Time.GetUtcNow(), CancellationToken);

        // Assert
        Assert.True(first && second);
        Assert.False(unknownDrop);
        Assert.True(await drops.HasRsvpAsync("d1", "viewer-1", CancellationToken));
        Assert.False(await drops.HasRsvpAsync("d1", "viewer-2", CancellationToken));
        Assert.Equal(1, await drops.CountRsvpsAsync("d1", CancellationToken));
        Assert.Equal(3, await store.GetHeadRevisionAsync(CancellationToken));
    }

    /// <summary>
    /// One sub buying and RSVPing on two creators' drops. What it would catch: a sale or RSVP
    /// recorded without its creator (the viewer is (creator, sub), the creator taken from the drop).
    /// </summary>
    [Fact]
    public async Task ConfirmSaleAndRsvp_SameSubOnTwoCreatorsDrops_RecordedUnderEachDropsCreator()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 10, limit: 2), CancellationToken);
        await drops.PutDropAsync(NewDrop("c2", "d2", units: 10, limit: 2), CancellationToken);
        var lease1 = await drops.AcquireLeaseAsync(Ask("d1", units: 4, minUnits: 4), CancellationToken);
        var lease2 = await drops.AcquireLeaseAsync(Ask("d2", units: 4, minUnits: 4), CancellationToken);

        // Act
        var sold1 = await drops.ConfirmSaleAsync(Sale(lease1.LeaseId, "r1", "viewer-1", quantity: 2, key: "k1"), CancellationToken);
        var sold2 = await drops.ConfirmSaleAsync(Sale(lease2.LeaseId, "r2", "viewer-1", quantity: 2, key: "k1") with { DropId = "d2" }, CancellationToken);
        await drops.RsvpAsync("d1", "viewer-1", Time.GetUtcNow(), CancellationToken);
        await drops.RsvpAsync("d2", "viewer-1", Time.GetUtcNow(), CancellationToken);

        // Assert
        Assert.Equal((SaleOutcome.Confirmed, SaleOutcome.Confirmed), (sold1.Outcome, sold2.Outcome));
        Assert.Equal(["d1|c1|viewer-1|k1", "d2|c2|viewer-1|k1"],
            await QuerySqlAsync("SELECT drop_id || '|' || creator_id || '|' || viewer || '|' || idempotency_key FROM drop_sales ORDER BY drop_id;"));
        Assert.Equal(["d1|c1|viewer-1", "d2|c2|viewer-1"],
            await QuerySqlAsync("SELECT drop_id || '|' || creator_id || '|' || viewer FROM drop_rsvps ORDER BY drop_id;"));
        Assert.True(await drops.HasRsvpAsync("d2", "viewer-1", CancellationToken));
    }

    /// <summary>
    /// A database written before the viewer carried its creator (drop schema 1): the start migrates
    /// its sales and RSVPs to (the drop's creator, sub) and they keep counting: the RSVP opens early
    /// access, the Idempotency-Key still answers "duplicate", the units still count against the
    /// per-viewer limit. A second start changes nothing.
    /// </summary>
    [Fact]
    public async Task InitializeAsync_DropSchemaVersion1_MigratesSalesAndRsvpsToTheDropsCreator()
    {
        // Arrange: a sale and an RSVP, then the tables put back the way schema 1 had them.
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 10, limit: 2), CancellationToken);
        await drops.PutDropAsync(NewDrop("c2", "d2", units: 10, limit: 2, startsIn: TimeSpan.FromHours(1), earlyMinutes: 10), CancellationToken);
        var lease = await drops.AcquireLeaseAsync(Ask("d1", units: 4, minUnits: 4), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r1", "viewer-1", key: "k1"), CancellationToken);
        await CloseStoreAsync(store);
        await ExecuteSqlAsync($"""
            DROP TABLE drop_sales;
            DROP TABLE drop_rsvps;
            CREATE TABLE drop_sales (reservation_id TEXT PRIMARY KEY, drop_id TEXT NOT NULL, sku_id TEXT NOT NULL, viewer TEXT NOT NULL,
                idempotency_key TEXT NOT NULL, quantity BIGINT NOT NULL, lease_id TEXT NOT NULL, confirmed_at_ms BIGINT NOT NULL);
            CREATE INDEX drop_sales_by_viewer ON drop_sales (drop_id, viewer);
            CREATE UNIQUE INDEX drop_sales_by_key ON drop_sales (drop_id, viewer, idempotency_key) WHERE idempotency_key <> '';
            CREATE TABLE drop_rsvps (drop_id TEXT NOT NULL, viewer TEXT NOT NULL, created_at_ms BIGINT NOT NULL, PRIMARY KEY (drop_id, viewer));
            INSERT INTO drop_sales VALUES ('r1', 'd1', 'hoodie-m', 'viewer-1', 'k1', 1, '{lease.LeaseId}', 0);
            INSERT INTO drop_rsvps VALUES ('d2', 'viewer-1', 0);
            ALTER TABLE drop_leases DROP COLUMN held;
            ALTER TABLE drop_leases DROP COLUMN held_until_ms;
            UPDATE meta SET value = 1 WHERE key = 'drops_schema';
            """);

        // Act
        store = await OpenStoreAsync();
        drops = Drops(store);
        var sales = await QuerySqlAsync("SELECT reservation_id || '|' || creator_id || '|' || viewer FROM drop_sales;");
        var rsvps = await QuerySqlAsync("SELECT drop_id || '|' || creator_id || '|' || viewer FROM drop_rsvps;");
        var rsvped = await drops.HasRsvpAsync("d2", "viewer-1", CancellationToken);
        var duplicate = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r2", "viewer-1", key: "k1"), CancellationToken);
        var overLimit = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r3", "viewer-1", quantity: 2), CancellationToken);
        var within = await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r4", "viewer-1"), CancellationToken);
        await CloseStoreAsync(store);
        store = await OpenStoreAsync();

        // Assert
        Assert.Equal(["r1|c1|viewer-1"], sales);
        Assert.Equal(["d2|c2|viewer-1"], rsvps);
        Assert.True(rsvped);
        Assert.Equal((SaleOutcome.Duplicate, "r1"), (duplicate.Outcome, duplicate.ReservationId));
        Assert.Equal(SaleOutcome.ViewerLimit, overLimit.Outcome);
        Assert.Equal(SaleOutcome.Confirmed, within.Outcome);
        Assert.Equal([DropSql.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)], await QuerySqlAsync("SELECT value FROM meta WHERE key = 'drops_schema';"));
        Assert.Equal(2, (await Drops(store).ListSalesAsync("d1", CancellationToken)).Count);
    }

    [Fact]
    public async Task PutDropAsync_SkuNotInTheCreatorsCatalog_IsRefusedAndWritesNothing()
    {
        // Arrange: c1 sells hoodie-m; c3 has no catalog at all.
        var store = await OpenDropStoreAsync();
        var head = await store.GetHeadRevisionAsync(CancellationToken);
        var misspelt = NewDrop("c1", "d1", units: 5);
        misspelt.Definition.Skus.Add(new DropSku { SkuId = "hoodie-mm", Allocation = 1 });

        // Act
        var unknown = await Drops(store).PutDropAsync(misspelt, CancellationToken);
        var noCatalog = await Drops(store).PutDropAsync(NewDrop("c3", "d3", units: 5), CancellationToken);

        // Assert
        Assert.Equal(DropWriteOutcome.UnknownSkus, unknown.Outcome);
        Assert.Equal(["hoodie-mm"], unknown.UnknownSkus);
        Assert.Equal(DropWriteOutcome.UnknownSkus, noCatalog.Outcome);
        Assert.Equal(["hoodie-m"], noCatalog.UnknownSkus);
        Assert.Equal(head, await store.GetHeadRevisionAsync(CancellationToken));
        Assert.Null(await Drops(store).GetDropAsync("d1", Time.GetUtcNow(), CancellationToken));
    }

    [Fact]
    public async Task PutCatalogAsync_RemovingASkuOfARunningDrop_IsRefusedUnlessForcedAndEndedOrCancelledDropsDoNotHoldIt()
    {
        // Arrange: d1 (c1) runs, d2 (c2) is cancelled; both sell hoodie-m.
        var store = await OpenDropStoreAsync();
        await Drops(store).PutDropAsync(NewDrop("c1", "d1", units: 5), CancellationToken);
        await Drops(store).PutDropAsync(NewDrop("c2", "d2", units: 5, startsIn: TimeSpan.FromHours(1)), CancellationToken);
        await Drops(store).CancelDropAsync("c2", "d2", Time.GetUtcNow(), CancellationToken);
        var head = await store.GetHeadRevisionAsync(CancellationToken);

        // Act
        var refused = await store.PutCatalogAsync(CatalogOf("c1", Time.GetUtcNow(), force: false, "tee-m"), CancellationToken);
        var headAfterRefusal = await store.GetHeadRevisionAsync(CancellationToken);
        var cancelledDrop = await store.PutCatalogAsync(CatalogOf("c2", Time.GetUtcNow(), force: false, "tee-m"), CancellationToken);
        var forced = await store.PutCatalogAsync(CatalogOf("c1", Time.GetUtcNow(), force: true, "tee-m"), CancellationToken);
        var afterEnd = await store.PutCatalogAsync(CatalogOf("c1", Time.GetUtcNow().AddHours(2), force: false, "cap-m"), CancellationToken);

        // Assert
        Assert.Equal(CatalogWriteOutcome.SkusInUse, refused.Outcome);
        Assert.Equal([new DropSkuUse("d1", "hoodie-m")], refused.SkusInUse);
        Assert.Equal(head, headAfterRefusal);
        Assert.Equal(CatalogWriteOutcome.Updated, cancelledDrop.Outcome);
        Assert.Equal(CatalogWriteOutcome.Updated, forced.Outcome);
        Assert.Equal(CatalogWriteOutcome.Updated, afterEnd.Outcome);
    }

    private static IDropStore Drops(IOriginStore store) => (IDropStore)store;

    /// <summary>A store where creators c1 and c2 each have a catalog selling <c>hoodie-m</c> (revisions 1 and 2): drops sell only catalog SKUs.</summary>
    private async Task<IOriginStore> OpenDropStoreAsync()
    {
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(CatalogOf("c1", Time.GetUtcNow(), force: false, "hoodie-m"), CancellationToken);
        await store.PutCatalogAsync(CatalogOf("c2", Time.GetUtcNow(), force: false, "hoodie-m"), CancellationToken);
        return store;
    }

    /// <summary>A catalog write whose payload is a real protobuf catalog with one product selling <paramref name="skus"/>.</summary>
    private static CatalogWrite CatalogOf(string creatorId, DateTimeOffset now, bool force, params string[] skus)
    {
        var document = creatorId + ":" + string.Join(",", skus);
        return new CatalogWrite(creatorId, document, SHA256.HashData(Encoding.UTF8.GetBytes(document)), 1, null,
            revision =>
            {
                var product = new Product { Id = "p1", Title = "Tour hoodie" };
                product.Skus.Add(skus.Select(static id => new Sku { Id = id, Label = id }));
                return new CreatorCatalog { CreatorId = creatorId, Revision = revision, Products = { product } }.ToByteArray();
            },
            now, force);
    }

    private DropWrite NewDrop(string creatorId, string dropId, int units, TimeSpan? startsIn = null, int earlyMinutes = 0, int limit = 2)
    {
        var startsAt = Time.GetUtcNow() + (startsIn ?? TimeSpan.FromMinutes(-1));
        var definition = new DropState
        {
            DropId = dropId,
            CreatorId = creatorId,
            Title = "Tour drop",
            StartsAtUnixMs = startsAt.ToUnixTimeMilliseconds(),
            EndsAtUnixMs = (startsAt + TimeSpan.FromHours(2)).ToUnixTimeMilliseconds(),
            EarlyAccessMinutes = earlyMinutes,
            EarlyAccessAudience = earlyMinutes > 0 ? "rsvp" : "",
            PerViewerLimit = limit,
            Skus = { new DropSku { SkuId = "hoodie-m", Allocation = units } },
        };
        var json = $"{dropId}:{units}:{startsAt:O}:{earlyMinutes}:{limit}";
        return new DropWrite(creatorId, dropId, json, SHA256.HashData(Encoding.UTF8.GetBytes(json)), definition, Time.GetUtcNow());
    }

    private LeaseAsk Ask(string dropId, int units, int minUnits = 1)
        => new(dropId, "hoodie-m", "edge-1", units, Time.GetUtcNow(), s_lease, MaxUnits: 10, minUnits);

    private SaleRequest Sale(string leaseId, string reservationId, string viewer, int quantity = 1, string key = "")
        => new(leaseId, reservationId, "d1", "hoodie-m", quantity, viewer, key, Time.GetUtcNow());
}
