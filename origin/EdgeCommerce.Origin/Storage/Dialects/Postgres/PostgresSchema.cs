namespace EdgeCommerce.Origin.Storage.Dialects.Postgres;

/// <summary>
/// The PostgreSQL schema: Unix-millisecond times in <c>bigint</c> (as on SQLite, so both compare
/// alike), the applied versions in <c>schema_version</c>. A new version is one more step at the
/// end of <see cref="Steps"/>. The drop tables are in <see cref="PostgresDropSchema"/>.
/// </summary>
internal static class PostgresSchema
{
    public static readonly IReadOnlyList<SchemaStep> Steps =
    [
        new(1, """
            CREATE TABLE meta (
                key text PRIMARY KEY,
                value bigint NOT NULL
            );
            INSERT INTO meta (key, value) VALUES ('head_revision', 0), ('compacted_revision', 0);
            CREATE TABLE changes (
                revision bigint PRIMARY KEY,
                creator_id text NOT NULL,
                kind integer NOT NULL,
                payload bytea NOT NULL,
                created_at_ms bigint NOT NULL
            );
            CREATE TABLE catalogs (
                creator_id text PRIMARY KEY,
                revision bigint NOT NULL,
                content_hash bytea NOT NULL,
                document text NOT NULL,
                payload bytea NOT NULL,
                product_count integer NOT NULL
            );
            CREATE TABLE identity (
                id boolean PRIMARY KEY DEFAULT true CHECK (id),
                cluster_id text NOT NULL
            );
            CREATE TABLE edges (
                id text PRIMARY KEY,
                region text NOT NULL,
                public_url text NOT NULL,
                protocol_version integer NOT NULL,
                applied_revision bigint NOT NULL,
                connected boolean NOT NULL,
                last_contact_ms bigint NOT NULL,
                last_rejection text
            );
            """),
        new(2, """
            CREATE TABLE signing_keys (
                kid TEXT PRIMARY KEY,
                private_key BYTEA NOT NULL,
                created_at_ms BIGINT NOT NULL,
                published_revision BIGINT NOT NULL,
                signing_from_ms BIGINT NOT NULL,
                retire_at_ms BIGINT,
                revoked BOOLEAN NOT NULL
            );
            CREATE TABLE key_set (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                payload BYTEA NOT NULL
            );
            """),
    ];

    /// <summary>Model registry, training interactions and revoked edges (see <see cref="StoreDialect.UnversionedSchema"/>).</summary>
    public const string Unversioned = """
        CREATE TABLE IF NOT EXISTS models (
            version TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            size BIGINT NOT NULL,
            onnx BYTEA NOT NULL,
            metrics_json TEXT NOT NULL,
            created_at_ms BIGINT NOT NULL,
            activated_revision BIGINT NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS interactions (
            id BIGSERIAL PRIMARY KEY,
            viewer_id TEXT NOT NULL,
            creator_id TEXT NOT NULL,
            product_id TEXT NOT NULL,
            kind INTEGER NOT NULL,
            at_ms BIGINT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS interactions_at ON interactions (at_ms);
        CREATE INDEX IF NOT EXISTS interactions_viewer ON interactions (viewer_id);
        CREATE TABLE IF NOT EXISTS revoked_edges (
            edge_id TEXT PRIMARY KEY,
            revoked_at_ms BIGINT NOT NULL
        );
        """;
}
