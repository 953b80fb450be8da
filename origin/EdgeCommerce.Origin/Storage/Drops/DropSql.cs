using System.Data.Common;
using System.Globalization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using Google.Protobuf;

namespace EdgeCommerce.Origin.Storage.Drops;

/// <summary>
/// The drop rules, written once over ADO.NET for both stores: the SQL below is the subset SQLite
/// and PostgreSQL share (named <c>@parameters</c>, <c>ON CONFLICT</c>, partial unique indexes), and
/// each store only supplies the write transaction (<see cref="DropWriteScope"/>) and the tables in
/// its own types (<see cref="DropDdl"/>). Times are Unix milliseconds; flags are integers, so the
/// same readers work on both.
/// </summary>
internal static partial class DropSql
{
    /// <summary>Lease grants shrink with stock: at most a quarter of what is free (at least one unit).</summary>
    public const int ShrinkDivisor = 4;

    /// <summary>
    /// The drop tables' own schema version (<c>meta</c> row <c>drops_schema</c>). 2: a viewer is
    /// (creator, sub) in sales and RSVPs. 3: leases carry the units their edge's live reservations
    /// hold (<c>held</c>, <c>held_until_ms</c>); a sale keeps its price, currency and unit cost,
    /// whether it was reconciled and when it was cancelled; exceptions by kind; the edges' funnel
    /// counts; webhooks and their outbox.
    /// </summary>
    public const int SchemaVersion = 3;

    /// <summary>
    /// Version 1 to 2, the same statements on both stores: sales and RSVPs are moved aside, made
    /// again by the store's <c>ddl.Tables</c> with <c>creator_id</c> in the viewer's key, and copied back
    /// with the creator of their drop (a drop's creator never changes, so that is who the viewer
    /// belonged to; drops are never deleted, and a row without its drop would keep an empty
    /// creator rather than be lost). The old indexes go first so the tables' DDL makes the new ones
    /// under their names.
    /// </summary>
    private const string MoveAsideV1 = """
        DROP INDEX IF EXISTS drop_sales_by_viewer;
        DROP INDEX IF EXISTS drop_sales_by_key;
        ALTER TABLE drop_sales RENAME TO drop_sales_v1;
        ALTER TABLE drop_rsvps RENAME TO drop_rsvps_v1;
        """;

    private const string CopyBackV1 = """
        INSERT INTO drop_sales (reservation_id, drop_id, creator_id, sku_id, viewer, idempotency_key, quantity, lease_id, confirmed_at_ms)
        SELECT s.reservation_id, s.drop_id, COALESCE(d.creator_id, ''), s.sku_id, s.viewer, s.idempotency_key, s.quantity, s.lease_id, s.confirmed_at_ms
        FROM drop_sales_v1 s LEFT JOIN drops d ON d.drop_id = s.drop_id;
        INSERT INTO drop_rsvps (drop_id, creator_id, viewer, created_at_ms)
        SELECT r.drop_id, COALESCE(d.creator_id, ''), r.viewer, r.created_at_ms
        FROM drop_rsvps_v1 r LEFT JOIN drops d ON d.drop_id = r.drop_id;
        DROP TABLE drop_sales_v1;
        DROP TABLE drop_rsvps_v1;
        """;

    /// <summary>
    /// Creates the drop tables, or migrates them to <see cref="SchemaVersion"/>, inside the store's
    /// migration transaction. Tracked by its own <c>meta</c> row (<c>drops_schema</c>) rather than
    /// the store's schema version, so the drop feature migrates independently of other features'
    /// schema changes.
    /// </summary>
    /// <param name="ddl">The drop tables in the store's own types (its dialect's <see cref="DropDdl"/>).</param>
    public static async Task EnsureSchemaAsync(DbConnection connection, DbTransaction transaction, DropDdl ddl, CancellationToken cancellationToken)
    {
        var stored = await ScalarAsync(connection, transaction, "SELECT value FROM meta WHERE key = 'drops_schema';", cancellationToken);
        var version = stored is null ? 0 : Convert.ToInt64(stored, CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"Unable to open the origin store: drop schema version {version} is newer than this build ({SchemaVersion}).");
        }

        if (version == SchemaVersion)
        {
            return;
        }

        if (version == 2)
        {
            // Sales gain nullable columns (what sales before version 3 did not record stays unknown,
            // never made up); then the schema's IF NOT EXISTS adds the new tables and indexes.
            await ExecuteAsync(connection, transaction, ddl.LeaseHoldsV3, cancellationToken);
            await ExecuteAsync(connection, transaction, ddl.SalesV3, cancellationToken);
            await ExecuteAsync(connection, transaction, ddl.Tables, cancellationToken);
            await ExecuteAsync(connection, transaction, "UPDATE meta SET value = @version WHERE key = 'drops_schema';", cancellationToken, ("version", (long)SchemaVersion));
            return;
        }

        if (version == 1)
        {
            // Sales and RSVPs are made anew by the ddl (with version 3's sale columns); drop_leases
            // is made only when missing, so an existing one gains the held columns here.
            await ExecuteAsync(connection, transaction, MoveAsideV1, cancellationToken);
            await ExecuteAsync(connection, transaction, ddl.Tables, cancellationToken);
            await ExecuteAsync(connection, transaction, CopyBackV1, cancellationToken);
            await ExecuteAsync(connection, transaction, ddl.LeaseHoldsV3, cancellationToken);
            await ExecuteAsync(connection, transaction, "UPDATE meta SET value = @version WHERE key = 'drops_schema';", cancellationToken, ("version", (long)SchemaVersion));
            return;
        }

        await ExecuteAsync(connection, transaction, ddl.Tables, cancellationToken);
        await ExecuteAsync(connection, transaction, "INSERT INTO meta (key, value) VALUES ('drops_schema', @version);", cancellationToken, ("version", (long)SchemaVersion));
    }

    public static async Task<DropWriteResult> PutAsync(DropWriteScope scope, DropWrite write, CancellationToken cancellationToken)
    {
        var existing = await ReadRowAsync(scope.Connection, scope.Transaction, write.DropId, cancellationToken);
        var outcome = DropWriteOutcome.Created;
        if (existing is not null)
        {
            if (!string.Equals(existing.CreatorId, write.CreatorId, StringComparison.Ordinal))
            {
                return new DropWriteResult(DropWriteOutcome.IdTaken, 0);
            }

            if (existing.ContentHash.AsSpan().SequenceEqual(write.ContentHash))
            {
                return new DropWriteResult(DropWriteOutcome.Unchanged, existing.Revision);
            }

            if (existing.Cancelled)
            {
                return new DropWriteResult(DropWriteOutcome.IsCancelled, existing.Revision);
            }

            if (write.Now >= DropPhases.EarlyAccessFrom(existing.Definition))
            {
                return new DropWriteResult(DropWriteOutcome.AlreadyStarted, existing.Revision);
            }

            outcome = DropWriteOutcome.Updated;
        }

        // Checked here, under the store's write lock, so a catalog push committing between this
        // check and the drop's commit cannot withdraw a SKU the drop is about to allocate.
        var catalogSkus = await ReadCatalogSkusAsync(scope.Connection, scope.Transaction, write.CreatorId, cancellationToken);
        var unknown = write.Definition.Skus.Select(static sku => sku.SkuId).Where(id => catalogSkus?.Contains(id) != true).ToArray();
        if (unknown.Length > 0)
        {
            return new DropWriteResult(DropWriteOutcome.UnknownSkus, existing?.Revision ?? 0, unknown);
        }

        // Before a drop opens no lease can exist, so replacing its SKU rows loses no stock.
        await ExecuteAsync(scope.Connection, scope.Transaction, "DELETE FROM drop_skus WHERE drop_id = @drop;", cancellationToken, ("drop", write.DropId));
        foreach (var sku in write.Definition.Skus)
        {
            await ExecuteAsync(scope.Connection, scope.Transaction,
                "INSERT INTO drop_skus (drop_id, sku_id, allocation, sold) VALUES (@drop, @sku, @allocation, 0);",
                cancellationToken, ("drop", write.DropId), ("sku", sku.SkuId), ("allocation", (long)sku.Allocation));
        }

        var definition = write.Definition.ToByteArray();
        await ExecuteAsync(scope.Connection, scope.Transaction, """
            INSERT INTO drops (drop_id, creator_id, revision, content_hash, document, definition, payload, cancelled)
            VALUES (@drop, @creator, 0, @hash, @document, @definition, @definition, 0)
            ON CONFLICT (drop_id) DO UPDATE SET
                content_hash = excluded.content_hash, document = excluded.document, definition = excluded.definition;
            """, cancellationToken,
            ("drop", write.DropId), ("creator", write.CreatorId), ("hash", write.ContentHash), ("document", write.DocumentJson), ("definition", definition));
        await PublishAsync(scope, write.DropId, write.Now, cancellationToken);
        return new DropWriteResult(outcome, scope.Revision);
    }

    public static async Task<DropWriteResult> CancelAsync(DropWriteScope scope, string creatorId, string dropId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var existing = await ReadRowAsync(scope.Connection, scope.Transaction, dropId, cancellationToken);
        if (existing is null || !string.Equals(existing.CreatorId, creatorId, StringComparison.Ordinal))
        {
            return new DropWriteResult(DropWriteOutcome.NotFound, 0);
        }

        if (existing.Cancelled)
        {
            return new DropWriteResult(DropWriteOutcome.Unchanged, existing.Revision);
        }

        await ExecuteAsync(scope.Connection, scope.Transaction, "UPDATE drops SET cancelled = 1 WHERE drop_id = @drop;", cancellationToken, ("drop", dropId));
        // Leases end with the drop (pre-positioned ones included): their unsold units are no
        // edge's any more, and nothing sells under them (ConfirmSale refuses a cancelled drop).
        await ExecuteAsync(scope.Connection, scope.Transaction,
            "UPDATE drop_leases SET units = sold WHERE drop_id = @drop AND expires_at_ms > @now AND units > sold;",
            cancellationToken, ("drop", dropId), ("now", now.ToUnixTimeMilliseconds()));
        await PublishAsync(scope, dropId, now, cancellationToken);
        // A cancelled drop closes now, announced here once (the time-based announcer skips cancelled
        // drops): "opened" first if sales had opened and it was not sent yet, so the order holds.
        var opensAt = DropPhases.EarlyAccessFrom(existing.Definition);
        if (await Webhooks.WebhookSql.AnnounceOnceAsync(scope.Connection, scope.Transaction, dropId, Webhooks.WebhookEvents.DropOpened, cancellationToken) && now >= opensAt)
        {
            await Webhooks.WebhookSql.EnqueueAsync(scope.Connection, scope.Transaction, creatorId, dropId, Webhooks.WebhookEvents.DropOpened,
                Webhooks.WebhookSql.OpenedData(existing.Definition), opensAt, now, cancellationToken);
        }

        if (await Webhooks.WebhookSql.AnnounceOnceAsync(scope.Connection, scope.Transaction, dropId, Webhooks.WebhookEvents.DropClosed, cancellationToken))
        {
            var ended = now >= DropPhases.EndsAt(existing.Definition);
            await Webhooks.WebhookSql.EnqueueAsync(scope.Connection, scope.Transaction, creatorId, dropId, Webhooks.WebhookEvents.DropClosed,
                await Webhooks.WebhookSql.ClosedDataAsync(scope.Connection, scope.Transaction, dropId, ended ? "ended" : "cancelled", now, cancellationToken),
                ended ? DropPhases.EndsAt(existing.Definition) : now, now, cancellationToken);
        }
        return new DropWriteResult(DropWriteOutcome.Cancelled, scope.Revision);
    }

    /// <summary>A group commit: every ask in the one transaction, in order (each sees the grants before it).</summary>
    public static async Task<IReadOnlyList<LeaseGrant>> AcquireLeasesAsync(DropWriteScope scope, IReadOnlyList<LeaseAsk> asks, CancellationToken cancellationToken)
    {
        var grants = new LeaseGrant[asks.Count];
        for (var i = 0; i < asks.Count; i++)
        {
            grants[i] = await AcquireLeaseAsync(scope, asks[i], cancellationToken);
        }

        return grants;
    }

    public static async Task<LeaseGrant> AcquireLeaseAsync(DropWriteScope scope, LeaseAsk ask, CancellationToken cancellationToken)
    {
        var state = await BuildStateAsync(scope.Connection, scope.Transaction, ask.DropId, ask.Now, cancellationToken);
        if (state is null)
        {
            return Refused(LeaseRefusal.NoSuchDrop);
        }

        var sku = state.Skus.FirstOrDefault(s => string.Equals(s.SkuId, ask.SkuId, StringComparison.Ordinal));
        if (sku is null)
        {
            return Refused(LeaseRefusal.NoSuchSku);
        }

        var minUnits = Math.Max(1, ask.MinUnits);
        if (sku.Sold + minUnits > sku.Allocation)
        {
            return Refused(LeaseRefusal.SoldOut, sku);
        }

        var phase = DropPhases.Of(state, ask.Now);
        // Before the doors open only placement leases, and only from the lead time on: the edges
        // sell nothing before the phase allows it (and the origin sells nothing after the end).
        if (phase == DropPhase.Closed
            || (phase == DropPhase.Scheduled && (ask.Placement is not { } early || ask.Now < DropPhases.EarlyAccessFrom(state) - early.Lead)))
        {
            return Refused(LeaseRefusal.NotSelling, sku);
        }

        var free = sku.Allocation - sku.Sold - sku.Leased;
        if (free < minUnits)
        {
            // When a unit is likely back: the earliest reservation expiry an edge reported, else
            // the earliest lease end (not the lease's end while reservations end sooner).
            var next = await ScalarAsync(scope.Connection, scope.Transaction, """
                SELECT MIN(CASE WHEN held > 0 AND held_until_ms > @now AND held_until_ms < expires_at_ms THEN held_until_ms ELSE expires_at_ms END)
                FROM drop_leases WHERE drop_id = @drop AND sku_id = @sku AND expires_at_ms > @now AND units > sold;
                """,
                cancellationToken, ("drop", ask.DropId), ("sku", ask.SkuId), ("now", ask.Now.ToUnixTimeMilliseconds()));
            return Refused(LeaseRefusal.NoneFree, sku, next is null or DBNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(next, CultureInfo.InvariantCulture)));
        }

        var units = LeaseSizing.Refill(ask, sku.Allocation, free, minUnits);
        if (ask.Placement is { } placement)
        {
            // Before the open: the edge's share of what may be placed, keeping the reserve here.
            var reserve = (int)Math.Ceiling(sku.Allocation * placement.ReserveFraction);
            var share = (int)Math.Ceiling(Math.Max(0, sku.Allocation - sku.Sold - reserve) * placement.Share);
            units = Math.Min(Math.Min(ask.Units, share), free - reserve);
            if (units < minUnits)
            {
                return Refused(LeaseRefusal.NoneFree, sku);
            }
        }
        var leaseId = Guid.NewGuid().ToString("N");
        var expiresAt = ask.Now + ask.Duration;
        await ExecuteAsync(scope.Connection, scope.Transaction, """
            INSERT INTO drop_leases (lease_id, drop_id, sku_id, edge_id, units, sold, expires_at_ms)
            VALUES (@lease, @drop, @sku, @edge, @units, 0, @expires);
            """, cancellationToken,
            ("lease", leaseId), ("drop", ask.DropId), ("sku", ask.SkuId), ("edge", ask.EdgeId), ("units", (long)units),
            ("expires", expiresAt.ToUnixTimeMilliseconds()));
        var published = await PublishAsync(scope, ask.DropId, ask.Now, cancellationToken);
        return new LeaseGrant(LeaseRefusal.None, leaseId, units, DateTimeOffset.FromUnixTimeMilliseconds(expiresAt.ToUnixTimeMilliseconds()),
            published.Skus.First(s => string.Equals(s.SkuId, ask.SkuId, StringComparison.Ordinal)), null);

        static LeaseGrant Refused(LeaseRefusal refusal, DropSku? stock = null, DateTimeOffset? next = null)
            => new(refusal, "", 0, default, stock, next);
    }

    public static async Task<int> ReturnLeaseAsync(DropWriteScope scope, string leaseId, int units, DateTimeOffset now, string? edgeId, CancellationToken cancellationToken)
    {
        var lease = await ReadLeaseAsync(scope, leaseId, cancellationToken);
        // Another edge's lease answers like a missing one.
        if (lease is null || lease.ExpiresAtMs <= now.ToUnixTimeMilliseconds() || (edgeId is not null && !string.Equals(lease.EdgeId, edgeId, StringComparison.Ordinal)))
        {
            return 0;
        }

        var remaining = Math.Max(lease.Sold, lease.Units - Math.Max(0, units));
        if (remaining == lease.Units)
        {
            return (int)remaining;
        }

        await ExecuteAsync(scope.Connection, scope.Transaction, "UPDATE drop_leases SET units = @units WHERE lease_id = @lease;",
            cancellationToken, ("units", remaining), ("lease", leaseId));
        await PublishAsync(scope, lease.DropId, now, cancellationToken);
        return (int)remaining;
    }

    public static async Task<SaleResult> ConfirmAsync(DropWriteScope scope, SaleRequest sale, CancellationToken cancellationToken)
    {
        var connection = scope.Connection;
        var transaction = scope.Transaction;
        // The lease first: an edge confirms (and learns about sales) only inside its own leases, and
        // another edge's lease answers like a missing one. Lease rows are never deleted, so retries
        // after expiry still find theirs.
        var lease = await ReadLeaseAsync(scope, sale.LeaseId, cancellationToken);
        if (lease is null || !string.Equals(lease.DropId, sale.DropId, StringComparison.Ordinal) || !string.Equals(lease.SkuId, sale.SkuId, StringComparison.Ordinal)
            || (sale.EdgeId is not null && !string.Equals(lease.EdgeId, sale.EdgeId, StringComparison.Ordinal)))
        {
            return new SaleResult(SaleOutcome.NoSuchLease, sale.ReservationId, null);
        }

        if (await ScalarAsync(connection, transaction, "SELECT lease_id FROM drop_sales WHERE reservation_id = @reservation;",
            cancellationToken, ("reservation", sale.ReservationId)) is string soldUnder)
        {
            var again = string.Equals(soldUnder, sale.LeaseId, StringComparison.Ordinal);
            if (again)
            {
                // The edge asked again for a sale that had landed: its first confirm got no answer,
                // so the outcome had to be reconciled (an exception of the drop report).
                await MarkReconciledAsync(scope, sale.ReservationId, cancellationToken);
            }
            else
            {
                await CountExceptionAsync(scope, sale.DropId, ExceptionKinds.ReservationConflict, cancellationToken);
            }

            return new SaleResult(again ? SaleOutcome.AlreadyConfirmed : SaleOutcome.ReservationConflict, sale.ReservationId, null);
        }

        if (sale.IdempotencyKey.Length > 0 && await ReadKeyedSaleAsync(connection, transaction, sale, cancellationToken) is { } original)
        {
            // The same purchase retried through another reservation (another edge, a lost answer):
            // only when it is the same purchase. Anything else reusing the key is refused.
            if (string.Equals(original.SkuId, sale.SkuId, StringComparison.Ordinal) && original.Quantity == sale.Quantity)
            {
                await MarkReconciledAsync(scope, original.ReservationId, cancellationToken);
                return new SaleResult(SaleOutcome.Duplicate, original.ReservationId, null);
            }

            await CountExceptionAsync(scope, sale.DropId, ExceptionKinds.IdempotencyConflict, cancellationToken);
            return new SaleResult(SaleOutcome.IdempotencyConflict, sale.ReservationId, null);
        }

        if (lease.ExpiresAtMs <= sale.Now.ToUnixTimeMilliseconds())
        {
            return new SaleResult(SaleOutcome.LeaseExpired, sale.ReservationId, null);
        }

        if (lease.Sold + sale.Quantity > lease.Units)
        {
            await CountExceptionAsync(scope, sale.DropId, ExceptionKinds.LeaseExhausted, cancellationToken);
            return new SaleResult(SaleOutcome.LeaseExhausted, sale.ReservationId, null);
        }

        var row = await ReadRowAsync(connection, transaction, sale.DropId, cancellationToken);
        if (row is null || row.Cancelled)
        {
            return new SaleResult(SaleOutcome.DropCancelled, sale.ReservationId, null);
        }

        if (sale.Now >= DropPhases.EndsAt(row.Definition))
        {
            return new SaleResult(SaleOutcome.DropEnded, sale.ReservationId, null);
        }

        var bought = Convert.ToInt64(await ScalarAsync(connection, transaction,
            "SELECT COALESCE(SUM(quantity), 0) FROM drop_sales WHERE drop_id = @drop AND creator_id = @creator AND viewer = @viewer;",
            cancellationToken, ("drop", sale.DropId), ("creator", row.CreatorId), ("viewer", sale.Viewer)), CultureInfo.InvariantCulture);
        if (bought + sale.Quantity > row.Definition.PerViewerLimit)
        {
            return new SaleResult(SaleOutcome.ViewerLimit, sale.ReservationId, null);
        }

        // The price (and cost) the sale is made at, from the catalog now: a later price change does
        // not rewrite what was sold. Unknown (null) when the SKU left the catalog meanwhile.
        var price = await CatalogPrices.FindAsync(connection, transaction, row.CreatorId, sale.SkuId, cancellationToken);
        await ExecuteAsync(connection, transaction, """
            INSERT INTO drop_sales (reservation_id, drop_id, creator_id, sku_id, viewer, idempotency_key, quantity, lease_id, confirmed_at_ms, price_minor, currency, unit_cost_minor)
            VALUES (@reservation, @drop, @creator, @sku, @viewer, @key, @quantity, @lease, @at, @price, @currency, @cost);
            """, cancellationToken,
            ("reservation", sale.ReservationId), ("drop", sale.DropId), ("creator", row.CreatorId), ("sku", sale.SkuId), ("viewer", sale.Viewer),
            ("key", sale.IdempotencyKey), ("quantity", (long)sale.Quantity), ("lease", sale.LeaseId), ("at", sale.Now.ToUnixTimeMilliseconds()),
            ("price", (object?)price?.PriceMinor ?? DBNull.Value), ("currency", (object?)price?.Currency ?? DBNull.Value), ("cost", (object?)price?.UnitCostMinor ?? DBNull.Value));
        // The sold units were held by the reservation: they stop counting as held at once, so the
        // published state does not count them twice until the edge's next holds report.
        await ExecuteAsync(connection, transaction, "UPDATE drop_leases SET sold = sold + @quantity, held = CASE WHEN held > @quantity THEN held - @quantity ELSE 0 END WHERE lease_id = @lease;",
            cancellationToken, ("quantity", (long)sale.Quantity), ("lease", sale.LeaseId));
        await ExecuteAsync(connection, transaction, "UPDATE drop_skus SET sold = sold + @quantity WHERE drop_id = @drop AND sku_id = @sku;",
            cancellationToken, ("quantity", (long)sale.Quantity), ("drop", sale.DropId), ("sku", sale.SkuId));
        var published = await PublishAsync(scope, sale.DropId, sale.Now, cancellationToken);
        // The follow-ups, in this transaction: they exist exactly when the sale does. "Opened" first
        // when the time-based announcer has not run since the drop opened, so the order holds.
        await Webhooks.WebhookSql.EnsureOpenedAsync(connection, transaction, row.Definition, sale.Now, cancellationToken);
        await Webhooks.WebhookSql.EnqueueAsync(connection, transaction, row.CreatorId, sale.DropId, Webhooks.WebhookEvents.SaleConfirmed,
            new
            {
                dropId = sale.DropId, creatorId = row.CreatorId, reservationId = sale.ReservationId, skuId = sale.SkuId, viewer = sale.Viewer,
                quantity = sale.Quantity, priceMinor = price?.PriceMinor, currency = price?.Currency, confirmedAt = sale.Now,
            }, sale.Now, sale.Now, cancellationToken);
        if (published.Skus.All(static s => s.Sold >= s.Allocation))
        {
            // Sold only grows (a cancelled sale keeps its units), so this is the one sale that sold the last unit.
            await Webhooks.WebhookSql.EnqueueAsync(connection, transaction, row.CreatorId, sale.DropId, Webhooks.WebhookEvents.DropSoldOut,
                new { dropId = sale.DropId, creatorId = row.CreatorId, soldOutAt = sale.Now }, sale.Now, sale.Now, cancellationToken);
        }

        return new SaleResult(SaleOutcome.Confirmed, sale.ReservationId, published.Skus.First(s => string.Equals(s.SkuId, sale.SkuId, StringComparison.Ordinal)));
    }

    public static async Task<bool> RsvpAsync(DropWriteScope scope, string dropId, string viewer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var row = await ReadRowAsync(scope.Connection, scope.Transaction, dropId, cancellationToken);
        if (row is null || row.Cancelled || now >= DropPhases.EndsAt(row.Definition))
        {
            return false;
        }

        await ExecuteAsync(scope.Connection, scope.Transaction,
            "INSERT INTO drop_rsvps (drop_id, creator_id, viewer, created_at_ms) VALUES (@drop, @creator, @viewer, @at) ON CONFLICT (drop_id, creator_id, viewer) DO NOTHING;",
            cancellationToken, ("drop", dropId), ("creator", row.CreatorId), ("viewer", viewer), ("at", now.ToUnixTimeMilliseconds()));
        return true;
    }

    public static async Task<bool> HasRsvpAsync(DbConnection connection, string dropId, string viewer, CancellationToken cancellationToken)
        => await ScalarAsync(connection, null, """
            SELECT 1 FROM drop_rsvps r JOIN drops d ON d.drop_id = r.drop_id AND d.creator_id = r.creator_id
            WHERE r.drop_id = @drop AND r.viewer = @viewer;
            """, cancellationToken, ("drop", dropId), ("viewer", viewer)) is not null;

    public static async Task<IReadOnlyList<SaleRecord>> ListSalesAsync(DbConnection connection, string dropId, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, null, """
            SELECT reservation_id, sku_id, viewer, idempotency_key, quantity, lease_id, confirmed_at_ms,
                   price_minor, currency, unit_cost_minor, reconciled, cancelled_at_ms
            FROM drop_sales WHERE drop_id = @drop ORDER BY confirmed_at_ms, reservation_id;
            """, ("drop", dropId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var sales = new List<SaleRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            sales.Add(ReadSale(reader));
        }

        return sales;
    }

    private static SaleRecord ReadSale(DbDataReader reader)
        => new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            checked((int)reader.GetInt64(4)), reader.GetString(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)))
        {
            PriceMinor = reader.IsDBNull(7) ? null : reader.GetInt64(7),
            Currency = reader.IsDBNull(8) ? null : reader.GetString(8),
            UnitCostMinor = reader.IsDBNull(9) ? null : reader.GetInt64(9),
            Reconciled = reader.GetInt64(10) != 0,
            CancelledAt = reader.IsDBNull(11) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11)),
        };

    /// <summary>
    /// Cancels (refunds) a confirmed sale of <paramref name="creatorId"/>'s drop: the sale stays
    /// (and its units stay sold: the stock does not come back mid-drop), marked cancelled, which the
    /// report counts as an exception. Idempotent: a second cancel answers the first one's time.
    /// Null when there is no such sale of this creator's drop.
    /// </summary>
    public static async Task<SaleRecord?> CancelSaleAsync(DropWriteScope scope, string creatorId, string dropId, string reservationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        int changed;
        await using (var update = Command(scope.Connection, scope.Transaction, """
            UPDATE drop_sales SET cancelled_at_ms = @at
            WHERE reservation_id = @reservation AND drop_id = @drop AND creator_id = @creator AND cancelled_at_ms IS NULL;
            """, ("at", now.ToUnixTimeMilliseconds()), ("reservation", reservationId), ("drop", dropId), ("creator", creatorId)))
        {
            changed = await update.ExecuteNonQueryAsync(cancellationToken);
        }

        if (changed > 0)
        {
            await Webhooks.WebhookSql.EnqueueAsync(scope.Connection, scope.Transaction, creatorId, dropId, Webhooks.WebhookEvents.SaleCancelled,
                new { dropId, creatorId, reservationId, cancelledAt = now }, now, now, cancellationToken);
        }

        await using var select = Command(scope.Connection, scope.Transaction, """
            SELECT reservation_id, sku_id, viewer, idempotency_key, quantity, lease_id, confirmed_at_ms,
                   price_minor, currency, unit_cost_minor, reconciled, cancelled_at_ms
            FROM drop_sales WHERE reservation_id = @reservation AND drop_id = @drop AND creator_id = @creator;
            """, ("reservation", reservationId), ("drop", dropId), ("creator", creatorId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadSale(reader) : null;
    }

    /// <summary>
    /// Stores edges' funnel reports: per (drop, edge, boot) the newest report wins (by the edge's
    /// sequence), so a report replayed or arriving late through another origin replica never
    /// lowers a count; the report sums the rows.
    /// </summary>
    public static async Task RecordFunnelsAsync(DropWriteScope scope, IReadOnlyList<EdgeFunnelReport> reports, CancellationToken cancellationToken)
    {
        foreach (var report in reports)
        {
            foreach (var drop in report.Drops)
            {
                await ExecuteAsync(scope.Connection, scope.Transaction, """
                    INSERT INTO drop_edge_funnels (drop_id, edge_id, boot_id, sequence, queued, admitted, reserved, released, expired, confirm_failed, reserve_buckets, confirm_buckets)
                    VALUES (@drop, @edge, @boot, @sequence, @queued, @admitted, @reserved, @released, @expired, @failed, @reserve, @confirm)
                    ON CONFLICT (drop_id, edge_id, boot_id) DO UPDATE SET
                        sequence = excluded.sequence, queued = excluded.queued, admitted = excluded.admitted, reserved = excluded.reserved,
                        released = excluded.released, expired = excluded.expired, confirm_failed = excluded.confirm_failed,
                        reserve_buckets = excluded.reserve_buckets, confirm_buckets = excluded.confirm_buckets
                    WHERE excluded.sequence > drop_edge_funnels.sequence;
                    """, cancellationToken,
                    ("drop", drop.DropId), ("edge", report.EdgeId), ("boot", report.BootId), ("sequence", report.Sequence),
                    ("queued", drop.Queued), ("admitted", drop.Admitted), ("reserved", drop.Reserved), ("released", drop.Released),
                    ("expired", drop.Expired), ("failed", drop.ConfirmFailed),
                    ("reserve", EncodeBuckets(drop.ReserveLatencyBuckets)), ("confirm", EncodeBuckets(drop.ConfirmLatencyBuckets)));
            }
        }
    }

    /// <summary>Everything the drop report is computed from, read in one transaction (a consistent view).</summary>
    public static async Task<DropReportFacts?> ReadReportFactsAsync(DbConnection connection, DbTransaction transaction, string dropId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var row = await ReadRowAsync(connection, transaction, dropId, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var state = (await BuildStateAsync(connection, transaction, dropId, now, cancellationToken))!;
        var rsvps = new HashSet<string>(StringComparer.Ordinal);
        await using (var select = Command(connection, transaction, "SELECT viewer FROM drop_rsvps WHERE drop_id = @drop AND creator_id = @creator;",
            ("drop", dropId), ("creator", row.CreatorId)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rsvps.Add(reader.GetString(0));
            }
        }

        var sales = new List<SaleRecord>();
        await using (var select = Command(connection, transaction, """
            SELECT reservation_id, sku_id, viewer, idempotency_key, quantity, lease_id, confirmed_at_ms,
                   price_minor, currency, unit_cost_minor, reconciled, cancelled_at_ms
            FROM drop_sales WHERE drop_id = @drop AND creator_id = @creator ORDER BY confirmed_at_ms, reservation_id;
            """, ("drop", dropId), ("creator", row.CreatorId)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                sales.Add(ReadSale(reader));
            }
        }

        var exceptions = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await using (var select = Command(connection, transaction, "SELECT kind, count FROM drop_exceptions WHERE drop_id = @drop;", ("drop", dropId)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                exceptions[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var funnel = new EdgeFunnelTotals();
        await using (var select = Command(connection, transaction, """
            SELECT queued, admitted, reserved, released, expired, confirm_failed, reserve_buckets, confirm_buckets
            FROM drop_edge_funnels WHERE drop_id = @drop;
            """, ("drop", dropId)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                funnel.Add(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5),
                    DecodeBuckets(reader.GetFieldValue<byte[]>(6)), DecodeBuckets(reader.GetFieldValue<byte[]>(7)));
            }
        }

        // Repeat purchases: every (drop, first purchase time) of this drop's buyers across the creator's drops.
        var purchases = new List<BuyerPurchase>();
        await using (var select = Command(connection, transaction, """
            SELECT viewer, drop_id, MIN(confirmed_at_ms) FROM drop_sales
            WHERE creator_id = @creator AND cancelled_at_ms IS NULL
              AND viewer IN (SELECT viewer FROM drop_sales WHERE drop_id = @drop AND creator_id = @creator AND cancelled_at_ms IS NULL)
            GROUP BY viewer, drop_id;
            """, ("drop", dropId), ("creator", row.CreatorId)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                purchases.Add(new BuyerPurchase(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
            }
        }

        var costs = await CatalogPrices.ReadAllAsync(connection, transaction, row.CreatorId, cancellationToken);
        return new DropReportFacts(row.CreatorId, state, rsvps, sales, exceptions, funnel, purchases, costs);
    }

    private static async Task MarkReconciledAsync(DropWriteScope scope, string reservationId, CancellationToken cancellationToken)
        => await ExecuteAsync(scope.Connection, scope.Transaction, "UPDATE drop_sales SET reconciled = 1 WHERE reservation_id = @reservation AND reconciled = 0;",
            cancellationToken, ("reservation", reservationId));

    private static async Task CountExceptionAsync(DropWriteScope scope, string dropId, string kind, CancellationToken cancellationToken)
        => await ExecuteAsync(scope.Connection, scope.Transaction, """
            INSERT INTO drop_exceptions (drop_id, kind, count) VALUES (@drop, @kind, 1)
            ON CONFLICT (drop_id, kind) DO UPDATE SET count = drop_exceptions.count + 1;
            """, cancellationToken, ("drop", dropId), ("kind", kind));

    /// <summary>Bucket counts as little-endian int64s (a few hundred bytes at most).</summary>
    private static byte[] EncodeBuckets(Google.Protobuf.Collections.RepeatedField<long> buckets)
    {
        var bytes = new byte[Math.Min(buckets.Count, DropLatencyHistogram.BucketCount) * sizeof(long)];
        for (var i = 0; i < bytes.Length / sizeof(long); i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), Math.Max(0, buckets[i]));
        }

        return bytes;
    }

    private static long[] DecodeBuckets(byte[] bytes)
    {
        var buckets = new long[bytes.Length / sizeof(long)];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i * sizeof(long)));
        }

        return buckets;
    }

    public static async Task<long> CountRsvpsAsync(DbConnection connection, string dropId, CancellationToken cancellationToken)
        => Convert.ToInt64(await ScalarAsync(connection, null, "SELECT COUNT(*) FROM drop_rsvps WHERE drop_id = @drop;",
            cancellationToken, ("drop", dropId)), CultureInfo.InvariantCulture);

    public static async Task<StoredDrop?> GetAsync(DbConnection connection, string dropId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var row = await ReadRowAsync(connection, null, dropId, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var state = await BuildStateAsync(connection, null, dropId, now, cancellationToken);
        return new StoredDrop(row.CreatorId, dropId, row.Revision, row.DocumentJson, state!);
    }

    public static async Task<IReadOnlyList<StoredDrop>> ListAsync(DbConnection connection, string creatorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await using (var select = Command(connection, null, "SELECT drop_id FROM drops WHERE creator_id = @creator ORDER BY drop_id;", ("creator", creatorId)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetString(0));
            }
        }

        var drops = new List<StoredDrop>(ids.Count);
        foreach (var id in ids)
        {
            if (await GetAsync(connection, id, now, cancellationToken) is { } drop)
            {
                drops.Add(drop);
            }
        }

        return drops;
    }

    /// <summary>Every drop's last published state, for a snapshot read in <paramref name="transaction"/>.</summary>
    public static async Task<IReadOnlyList<byte[]>> ReadPayloadsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, transaction, "SELECT payload FROM drops ORDER BY drop_id;");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var payloads = new List<byte[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            payloads.Add(reader.GetFieldValue<byte[]>(0));
        }

        return payloads;
    }

    /// <summary>
    /// Checks the invariant, then stamps the drop's current state with the next revision, stores it
    /// as the drop's payload and appends it as the transaction's change record.
    /// </summary>
    /// <summary>
    /// The SKUs that the creator's scheduled or running drops (not cancelled, not ended at
    /// <paramref name="now"/>) allocate and <paramref name="catalogPayload"/> (the protobuf catalog
    /// about to be stored) lacks, by drop then SKU. Call inside the catalog write transaction,
    /// under the store's write lock, so no drop write can slip between this check and the commit.
    /// </summary>
    public static async Task<IReadOnlyList<DropSkuUse>> FindSkusInUseAsync(
        DbConnection connection, DbTransaction transaction, string creatorId, byte[] catalogPayload, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The catalog is parsed only when a live drop could lose a SKU: most pushes find none.
        HashSet<string>? kept = null;
        var uses = new List<DropSkuUse>();
        await using var select = Command(connection, transaction,
            "SELECT drop_id, definition FROM drops WHERE creator_id = @creator AND cancelled = 0;", ("creator", creatorId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var definition = DropState.Parser.ParseFrom(reader.GetFieldValue<byte[]>(1));
            if (now < DropPhases.EndsAt(definition))
            {
                var dropId = reader.GetString(0);
                kept ??= SkusOf(CreatorCatalog.Parser.ParseFrom(catalogPayload));
                uses.AddRange(definition.Skus.Where(sku => !kept.Contains(sku.SkuId)).Select(sku => new DropSkuUse(dropId, sku.SkuId)));
            }
        }

        uses.Sort(static (a, b) => a.DropId != b.DropId ? string.CompareOrdinal(a.DropId, b.DropId) : string.CompareOrdinal(a.SkuId, b.SkuId));
        return uses;
    }

    /// <summary>The SKU ids of the creator's stored catalog; null when the creator has none.</summary>
    private static async Task<HashSet<string>?> ReadCatalogSkusAsync(DbConnection connection, DbTransaction transaction, string creatorId, CancellationToken cancellationToken)
        => await ScalarAsync(connection, transaction, "SELECT payload FROM catalogs WHERE creator_id = @creator;", cancellationToken, ("creator", creatorId)) is byte[] payload
            ? SkusOf(CreatorCatalog.Parser.ParseFrom(payload))
            : null;

    private static HashSet<string> SkusOf(CreatorCatalog catalog)
        => catalog.Products.SelectMany(static product => product.Skus).Select(static sku => sku.Id).ToHashSet(StringComparer.Ordinal);

    private static async Task<DropState> PublishAsync(DropWriteScope scope, string dropId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var state = (await BuildStateAsync(scope.Connection, scope.Transaction, dropId, now, cancellationToken))!;
        foreach (var sku in state.Skus)
        {
            if (sku.Sold < 0 || sku.Leased < 0 || (long)sku.Sold + sku.Leased > sku.Allocation)
            {
                throw new DropInvariantException(string.Create(CultureInfo.InvariantCulture,
                    $"Drop '{dropId}' SKU '{sku.SkuId}': sold {sku.Sold} + leased {sku.Leased} exceeds the allocation {sku.Allocation}."));
            }
        }

        var soldBySales = Convert.ToInt64(await ScalarAsync(scope.Connection, scope.Transaction,
            "SELECT COALESCE(SUM(quantity), 0) FROM drop_sales WHERE drop_id = @drop;", cancellationToken, ("drop", dropId)), CultureInfo.InvariantCulture);
        if (soldBySales != state.Skus.Sum(static sku => (long)sku.Sold))
        {
            throw new DropInvariantException(string.Create(CultureInfo.InvariantCulture,
                $"Drop '{dropId}': the SKUs count {state.Skus.Sum(static sku => (long)sku.Sold)} sold but the sales add up to {soldBySales}."));
        }

        state.Revision = scope.NextRevision;
        var payload = state.ToByteArray();
        await ExecuteAsync(scope.Connection, scope.Transaction, "UPDATE drops SET revision = @revision, payload = @payload WHERE drop_id = @drop;",
            cancellationToken, ("revision", state.Revision), ("payload", payload), ("drop", dropId));
        await scope.AppendChangeAsync(state.CreatorId, payload, cancellationToken);
        return state;
    }

    /// <summary>The definition plus, per SKU, sold and the units unexpired leases hold unsold at <paramref name="now"/>.</summary>
    private static async Task<DropState?> BuildStateAsync(DbConnection connection, DbTransaction? transaction, string dropId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var row = await ReadRowAsync(connection, transaction, dropId, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var state = row.Definition.Clone();
        state.Revision = row.Revision;
        state.Cancelled = row.Cancelled;
        state.Skus.Clear();
        await using (var select = Command(connection, transaction, """
            SELECT s.sku_id, s.allocation, s.sold,
                   COALESCE((SELECT SUM(l.units - l.sold) FROM drop_leases l
                             WHERE l.drop_id = s.drop_id AND l.sku_id = s.sku_id AND l.expires_at_ms > @now), 0)
            FROM drop_skus s WHERE s.drop_id = @drop ORDER BY s.sku_id;
            """, ("drop", dropId), ("now", now.ToUnixTimeMilliseconds())))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                state.Skus.Add(new DropSku
                {
                    SkuId = reader.GetString(0),
                    Allocation = checked((int)reader.GetInt64(1)),
                    Sold = checked((int)reader.GetInt64(2)),
                    Leased = checked((int)Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture)),
                });
            }
        }

        await AddHoldsAsync(connection, transaction, state, now, cancellationToken);
        return state;
    }

    private sealed record DropRow(string CreatorId, long Revision, byte[] ContentHash, string DocumentJson, DropState Definition, bool Cancelled);

    private sealed record LeaseRow(string DropId, string SkuId, long Units, long Sold, long ExpiresAtMs, string EdgeId);

    private sealed record KeyedSale(string ReservationId, string SkuId, long Quantity);

    private static async Task<KeyedSale?> ReadKeyedSaleAsync(DbConnection connection, DbTransaction? transaction, SaleRequest sale, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, transaction,
            """
            SELECT reservation_id, sku_id, quantity FROM drop_sales
            WHERE drop_id = @drop AND creator_id = (SELECT creator_id FROM drops WHERE drop_id = @drop) AND viewer = @viewer AND idempotency_key = @key;
            """,
            ("drop", sale.DropId), ("viewer", sale.Viewer), ("key", sale.IdempotencyKey));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new KeyedSale(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)) : null;
    }

    private static async Task<DropRow?> ReadRowAsync(DbConnection connection, DbTransaction? transaction, string dropId, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, transaction,
            "SELECT creator_id, revision, content_hash, document, definition, cancelled FROM drops WHERE drop_id = @drop;", ("drop", dropId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new DropRow(reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2), reader.GetString(3),
            DropState.Parser.ParseFrom(reader.GetFieldValue<byte[]>(4)), reader.GetInt64(5) != 0);
    }

    private static async Task<LeaseRow?> ReadLeaseAsync(DropWriteScope scope, string leaseId, CancellationToken cancellationToken)
    {
        await using var select = Command(scope.Connection, scope.Transaction,
            "SELECT drop_id, sku_id, units, sold, expires_at_ms, edge_id FROM drop_leases WHERE lease_id = @lease;", ("lease", leaseId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new LeaseRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5))
            : null;
    }

    internal static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
        => StoreSql.Command(connection, transaction, sql, parameters);

    internal static Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
        => StoreSql.ExecuteAsync(connection, transaction, sql, cancellationToken, parameters);

    internal static Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
        => StoreSql.ScalarAsync(connection, transaction, sql, cancellationToken, parameters);
}
