namespace EdgeCommerce.Origin.Storage.Dialects.Sqlite;

/// <summary>
/// The SQLite schema: <c>STRICT</c> tables, Unix-millisecond times and 0/1 flags in
/// <c>INTEGER</c>, the version in <c>PRAGMA user_version</c>. A new version is one more step at
/// the end of <see cref="Steps"/>. The drop tables are in <see cref="SqliteDropSchema"/>.
/// </summary>
internal static class SqliteSchema
{
    public static readonly IReadOnlyList<SchemaStep> Steps =
    [
        new(1, """
            CREATE TABLE IF NOT EXISTS meta (
                key TEXT PRIMARY KEY,
                value INTEGER NOT NULL
            ) STRICT;
            INSERT OR IGNORE INTO meta (key, value) VALUES ('head_revision', 0);
            CREATE TABLE IF NOT EXISTS changes (
                revision INTEGER PRIMARY KEY,
                creator_id TEXT NOT NULL,
                kind INTEGER NOT NULL,
                payload BLOB NOT NULL,
                created_at_ms INTEGER NOT NULL
            ) STRICT;
            CREATE TABLE IF NOT EXISTS catalogs (
                creator_id TEXT PRIMARY KEY,
                revision INTEGER NOT NULL,
                content_hash BLOB NOT NULL,
                document TEXT NOT NULL,
                payload BLOB NOT NULL,
                product_count INTEGER NOT NULL
            ) STRICT;
            """),
        new(2, """
            INSERT OR IGNORE INTO meta (key, value) VALUES ('compacted_revision', 0);
            CREATE TABLE IF NOT EXISTS identity (
                cluster_id TEXT NOT NULL
            ) STRICT;
            CREATE TABLE IF NOT EXISTS edges (
                id TEXT PRIMARY KEY,
                region TEXT NOT NULL,
                public_url TEXT NOT NULL,
                protocol_version INTEGER NOT NULL,
                applied_revision INTEGER NOT NULL,
                connected INTEGER NOT NULL,
                last_contact_ms INTEGER NOT NULL,
                last_rejection TEXT
            ) STRICT;
            """),
        new(3, """
            CREATE TABLE IF NOT EXISTS signing_keys (
                kid TEXT PRIMARY KEY,
                private_key BLOB NOT NULL,
                created_at_ms INTEGER NOT NULL,
                published_revision INTEGER NOT NULL,
                signing_from_ms INTEGER NOT NULL,
                retire_at_ms INTEGER,
                revoked INTEGER NOT NULL
            ) STRICT;
            CREATE TABLE IF NOT EXISTS key_set (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                payload BLOB NOT NULL
            ) STRICT;
            """),
    ];

    /// <summary>Model registry, training interactions and revoked edges (see <see cref="StoreDialect.UnversionedSchema"/>).</summary>
    public const string Unversioned = """
        CREATE TABLE IF NOT EXISTS models (
            version TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            onnx BLOB NOT NULL,
            metrics_json TEXT NOT NULL,
            created_at_ms INTEGER NOT NULL,
            activated_revision INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE TABLE IF NOT EXISTS interactions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            viewer_id TEXT NOT NULL,
            creator_id TEXT NOT NULL,
            product_id TEXT NOT NULL,
            kind INTEGER NOT NULL,
            at_ms INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX IF NOT EXISTS interactions_at ON interactions (at_ms);
        CREATE INDEX IF NOT EXISTS interactions_viewer ON interactions (viewer_id);
        CREATE TABLE IF NOT EXISTS revoked_edges (
            edge_id TEXT PRIMARY KEY,
            revoked_at_ms INTEGER NOT NULL
        ) STRICT;
        """;
}
