namespace EdgeCommerce.Origin.Storage.Dialects.Postgres;

/// <summary>The drop tables in PostgreSQL's types (<c>bigint</c> for Unix milliseconds and counts, <c>bytea</c>).</summary>
internal static class PostgresDropSchema
{
    public static readonly Drops.DropDdl Ddl = new(
        Tables: """
            CREATE TABLE IF NOT EXISTS drops (
                drop_id text PRIMARY KEY,
                creator_id text NOT NULL,
                revision bigint NOT NULL,
                content_hash bytea NOT NULL,
                document text NOT NULL,
                definition bytea NOT NULL,
                payload bytea NOT NULL,
                cancelled bigint NOT NULL
            );
            CREATE INDEX IF NOT EXISTS drops_by_creator ON drops (creator_id, drop_id);
            CREATE TABLE IF NOT EXISTS drop_skus (
                drop_id text NOT NULL,
                sku_id text NOT NULL,
                allocation bigint NOT NULL,
                sold bigint NOT NULL,
                PRIMARY KEY (drop_id, sku_id)
            );
            CREATE TABLE IF NOT EXISTS drop_leases (
                lease_id text PRIMARY KEY,
                drop_id text NOT NULL,
                sku_id text NOT NULL,
                edge_id text NOT NULL,
                units bigint NOT NULL,
                sold bigint NOT NULL,
                expires_at_ms bigint NOT NULL,
                held bigint NOT NULL DEFAULT 0,
                held_until_ms bigint NOT NULL DEFAULT 0
            );
            CREATE INDEX IF NOT EXISTS drop_leases_by_sku ON drop_leases (drop_id, sku_id, expires_at_ms);
            CREATE TABLE IF NOT EXISTS drop_sales (
                reservation_id text PRIMARY KEY,
                drop_id text NOT NULL,
                creator_id text NOT NULL,
                sku_id text NOT NULL,
                viewer text NOT NULL,
                idempotency_key text NOT NULL,
                quantity bigint NOT NULL,
                lease_id text NOT NULL,
                confirmed_at_ms bigint NOT NULL,
                price_minor bigint,
                currency text,
                unit_cost_minor bigint,
                reconciled bigint NOT NULL DEFAULT 0,
                cancelled_at_ms bigint
            );
            CREATE INDEX IF NOT EXISTS drop_sales_by_viewer ON drop_sales (drop_id, creator_id, viewer);
            CREATE UNIQUE INDEX IF NOT EXISTS drop_sales_by_key ON drop_sales (drop_id, creator_id, viewer, idempotency_key) WHERE idempotency_key <> '';
            CREATE TABLE IF NOT EXISTS drop_rsvps (
                drop_id text NOT NULL,
                creator_id text NOT NULL,
                viewer text NOT NULL,
                created_at_ms bigint NOT NULL,
                PRIMARY KEY (drop_id, creator_id, viewer)
            );
            CREATE INDEX IF NOT EXISTS drop_sales_by_buyer ON drop_sales (creator_id, viewer, confirmed_at_ms);
            CREATE TABLE IF NOT EXISTS drop_exceptions (
                drop_id text NOT NULL,
                kind text NOT NULL,
                count bigint NOT NULL,
                PRIMARY KEY (drop_id, kind)
            );
            CREATE TABLE IF NOT EXISTS drop_edge_funnels (
                drop_id text NOT NULL,
                edge_id text NOT NULL,
                boot_id text NOT NULL,
                sequence bigint NOT NULL,
                queued bigint NOT NULL,
                admitted bigint NOT NULL,
                reserved bigint NOT NULL,
                released bigint NOT NULL,
                expired bigint NOT NULL,
                confirm_failed bigint NOT NULL,
                reserve_buckets bytea NOT NULL,
                confirm_buckets bytea NOT NULL,
                PRIMARY KEY (drop_id, edge_id, boot_id)
            );
            CREATE TABLE IF NOT EXISTS webhooks (
                creator_id text NOT NULL,
                webhook_id text NOT NULL,
                url text NOT NULL,
                events text NOT NULL,
                secret text NOT NULL,
                created_at_ms bigint NOT NULL,
                PRIMARY KEY (creator_id, webhook_id)
            );
            CREATE TABLE IF NOT EXISTS webhook_outbox (
                seq bigint NOT NULL,
                event_id text NOT NULL,
                creator_id text NOT NULL,
                webhook_id text NOT NULL,
                drop_id text NOT NULL,
                event_type text NOT NULL,
                payload text NOT NULL,
                created_at_ms bigint NOT NULL,
                attempts bigint NOT NULL,
                next_attempt_at_ms bigint NOT NULL,
                lease_owner text,
                lease_until_ms bigint NOT NULL,
                delivered_at_ms bigint,
                dead_at_ms bigint,
                last_error text,
                PRIMARY KEY (event_id, creator_id, webhook_id)
            );
            CREATE UNIQUE INDEX IF NOT EXISTS webhook_outbox_by_seq ON webhook_outbox (seq);
            CREATE INDEX IF NOT EXISTS webhook_outbox_by_webhook ON webhook_outbox (creator_id, webhook_id, drop_id, seq);
            CREATE TABLE IF NOT EXISTS webhook_announcements (
                drop_id text NOT NULL,
                event_type text NOT NULL,
                PRIMARY KEY (drop_id, event_type)
            );
            """,
        LeaseHoldsV3: """
            ALTER TABLE drop_leases ADD COLUMN held bigint NOT NULL DEFAULT 0;
            ALTER TABLE drop_leases ADD COLUMN held_until_ms bigint NOT NULL DEFAULT 0;
            """,
        SalesV3: """
            ALTER TABLE drop_sales ADD COLUMN price_minor bigint;
            ALTER TABLE drop_sales ADD COLUMN currency text;
            ALTER TABLE drop_sales ADD COLUMN unit_cost_minor bigint;
            ALTER TABLE drop_sales ADD COLUMN reconciled bigint NOT NULL DEFAULT 0;
            ALTER TABLE drop_sales ADD COLUMN cancelled_at_ms bigint;
            """);
}
