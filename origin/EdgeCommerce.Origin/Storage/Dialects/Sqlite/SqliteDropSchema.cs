namespace EdgeCommerce.Origin.Storage.Dialects.Sqlite;

/// <summary>The drop tables in SQLite's types (<c>STRICT</c>: <c>INTEGER</c>, <c>TEXT</c>, <c>BLOB</c>).</summary>
internal static class SqliteDropSchema
{
    public static readonly Drops.DropDdl Ddl = new(
        Tables: """
            CREATE TABLE IF NOT EXISTS drops (
                drop_id TEXT PRIMARY KEY,
                creator_id TEXT NOT NULL,
                revision INTEGER NOT NULL,
                content_hash BLOB NOT NULL,
                document TEXT NOT NULL,
                definition BLOB NOT NULL,
                payload BLOB NOT NULL,
                cancelled INTEGER NOT NULL
            ) STRICT;
            CREATE INDEX IF NOT EXISTS drops_by_creator ON drops (creator_id, drop_id);
            CREATE TABLE IF NOT EXISTS drop_skus (
                drop_id TEXT NOT NULL,
                sku_id TEXT NOT NULL,
                allocation INTEGER NOT NULL,
                sold INTEGER NOT NULL,
                PRIMARY KEY (drop_id, sku_id)
            ) STRICT;
            CREATE TABLE IF NOT EXISTS drop_leases (
                lease_id TEXT PRIMARY KEY,
                drop_id TEXT NOT NULL,
                sku_id TEXT NOT NULL,
                edge_id TEXT NOT NULL,
                units INTEGER NOT NULL,
                sold INTEGER NOT NULL,
                expires_at_ms INTEGER NOT NULL,
                held INTEGER NOT NULL DEFAULT 0,
                held_until_ms INTEGER NOT NULL DEFAULT 0
            ) STRICT;
            CREATE INDEX IF NOT EXISTS drop_leases_by_sku ON drop_leases (drop_id, sku_id, expires_at_ms);
            CREATE TABLE IF NOT EXISTS drop_sales (
                reservation_id TEXT PRIMARY KEY,
                drop_id TEXT NOT NULL,
                creator_id TEXT NOT NULL,
                sku_id TEXT NOT NULL,
                viewer TEXT NOT NULL,
                idempotency_key TEXT NOT NULL,
                quantity INTEGER NOT NULL,
                lease_id TEXT NOT NULL,
                confirmed_at_ms INTEGER NOT NULL,
                price_minor INTEGER,
                currency TEXT,
                unit_cost_minor INTEGER,
                reconciled INTEGER NOT NULL DEFAULT 0,
                cancelled_at_ms INTEGER
            ) STRICT;
            CREATE INDEX IF NOT EXISTS drop_sales_by_viewer ON drop_sales (drop_id, creator_id, viewer);
            CREATE UNIQUE INDEX IF NOT EXISTS drop_sales_by_key ON drop_sales (drop_id, creator_id, viewer, idempotency_key) WHERE idempotency_key <> '';
            CREATE TABLE IF NOT EXISTS drop_rsvps (
                drop_id TEXT NOT NULL,
                creator_id TEXT NOT NULL,
                viewer TEXT NOT NULL,
                created_at_ms INTEGER NOT NULL,
                PRIMARY KEY (drop_id, creator_id, viewer)
            ) STRICT;
            CREATE INDEX IF NOT EXISTS drop_sales_by_buyer ON drop_sales (creator_id, viewer, confirmed_at_ms);
            CREATE TABLE IF NOT EXISTS drop_exceptions (
                drop_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (drop_id, kind)
            ) STRICT;
            CREATE TABLE IF NOT EXISTS drop_edge_funnels (
                drop_id TEXT NOT NULL,
                edge_id TEXT NOT NULL,
                boot_id TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                queued INTEGER NOT NULL,
                admitted INTEGER NOT NULL,
                reserved INTEGER NOT NULL,
                released INTEGER NOT NULL,
                expired INTEGER NOT NULL,
                confirm_failed INTEGER NOT NULL,
                reserve_buckets BLOB NOT NULL,
                confirm_buckets BLOB NOT NULL,
                PRIMARY KEY (drop_id, edge_id, boot_id)
            ) STRICT;
            CREATE TABLE IF NOT EXISTS webhooks (
                creator_id TEXT NOT NULL,
                webhook_id TEXT NOT NULL,
                url TEXT NOT NULL,
                events TEXT NOT NULL,
                secret TEXT NOT NULL,
                created_at_ms INTEGER NOT NULL,
                PRIMARY KEY (creator_id, webhook_id)
            ) STRICT;
            CREATE TABLE IF NOT EXISTS webhook_outbox (
                seq INTEGER NOT NULL,
                event_id TEXT NOT NULL,
                creator_id TEXT NOT NULL,
                webhook_id TEXT NOT NULL,
                drop_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                payload TEXT NOT NULL,
                created_at_ms INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at_ms INTEGER NOT NULL,
                lease_owner TEXT,
                lease_until_ms INTEGER NOT NULL,
                delivered_at_ms INTEGER,
                dead_at_ms INTEGER,
                last_error TEXT,
                PRIMARY KEY (event_id, creator_id, webhook_id)
            ) STRICT;
            CREATE UNIQUE INDEX IF NOT EXISTS webhook_outbox_by_seq ON webhook_outbox (seq);
            CREATE INDEX IF NOT EXISTS webhook_outbox_by_webhook ON webhook_outbox (creator_id, webhook_id, drop_id, seq);
            CREATE TABLE IF NOT EXISTS webhook_announcements (
                drop_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                PRIMARY KEY (drop_id, event_type)
            ) STRICT;
            """,
        LeaseHoldsV3: """
            ALTER TABLE drop_leases ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE drop_leases ADD COLUMN held_until_ms INTEGER NOT NULL DEFAULT 0;
            """,
        SalesV3: """
            ALTER TABLE drop_sales ADD COLUMN price_minor INTEGER;
            ALTER TABLE drop_sales ADD COLUMN currency TEXT;
            ALTER TABLE drop_sales ADD COLUMN unit_cost_minor INTEGER;
            ALTER TABLE drop_sales ADD COLUMN reconciled INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE drop_sales ADD COLUMN cancelled_at_ms INTEGER;
            """);
}
