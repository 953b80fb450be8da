using System.Data;
using System.Data.Common;
using EdgeCommerce.Origin.Storage.Drops;
using Npgsql;

namespace EdgeCommerce.Origin.Storage.Dialects.Postgres;

/// <summary>
/// The shared store: one PostgreSQL database behind any number of origin replicas. Every write
/// locks the <c>meta</c> head row (<c>SELECT … FOR UPDATE</c>) before it reads anything, so
/// writers from every process serialize there and revisions stay contiguous; the revision comes
/// from that row, never from a process. The write transaction also queues <c>pg_notify</c>, which
/// PostgreSQL delivers to every listening replica at commit (<see cref="PostgresRevisionListener"/>).
/// </summary>
internal sealed class PostgresDialect(NpgsqlDataSource dataSource) : StoreDialect
{
    /// <summary>The channel write transactions notify and listeners listen on.</summary>
    internal const string RevisionChannel = "edgecommerce_revisions";

    /// <summary>Transaction-scoped advisory lock key serializing migrations across processes ("EdgeCommerce" in ASCII, truncated).</summary>
    private const long MigrationLockKey = 0x45646765436F6D;

    // Queued in the transaction: delivered at commit, dropped on rollback, in commit order.
    private static readonly IReadOnlyList<string> Notify = [$"SELECT pg_notify('{RevisionChannel}', @revision::text);"];

    public override IReadOnlyList<SchemaStep> SchemaSteps => PostgresSchema.Steps;

    public override DropDdl DropDdl => PostgresDropSchema.Ddl;

    public override string UnversionedSchema => PostgresSchema.Unversioned;

    /// <summary>Byte order, as SQLite's default BINARY collation and the edges' ordinal sort.</summary>
    public override string ByteOrder => "COLLATE \"C\"";

    public override IReadOnlyList<string> NotifyRevisionSql => Notify;

    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
        => await dataSource.OpenConnectionAsync(cancellationToken);

    public override async Task<int> ReadSchemaVersionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        // Two origins starting at once: the second waits here until the first committed its
        // migration, then finds it done. CREATE TABLE IF NOT EXISTS alone races on the catalog.
        await StoreSql.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@key);", cancellationToken, ("key", MigrationLockKey));
        await StoreSql.ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS schema_version (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """, cancellationToken);
        return (int)(await StoreSql.ScalarAsync(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM schema_version;", cancellationToken) ?? 0);
    }

    public override Task RecordSchemaVersionAsync(DbConnection connection, DbTransaction transaction, int version, CancellationToken cancellationToken)
        => StoreSql.ExecuteAsync(connection, transaction, "INSERT INTO schema_version (version) VALUES (@version);", cancellationToken, ("version", version));

    public override async Task<(DbTransaction Transaction, long Head)> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // The head row lock comes first: in READ COMMITTED every later statement sees what the
        // previous lock holder committed, so every check the write makes is current.
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var head = (long)(await StoreSql.ScalarAsync(connection, transaction, "SELECT value FROM meta WHERE key = 'head_revision' FOR UPDATE;", cancellationToken) ?? 0L);
        return (transaction, head);
    }

    public override async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // REPEATABLE READ takes one MVCC snapshot at the first statement. READ ONLY lets
        // PostgreSQL skip the bookkeeping a writer needs.
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await StoreSql.ExecuteAsync(connection, transaction, "SET TRANSACTION READ ONLY;", cancellationToken);
        return transaction;
    }

    public override async Task<DbTransaction> BeginRelaxedAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // Only this transaction's durability is relaxed: it does not wait for the WAL flush.
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await StoreSql.ExecuteAsync(connection, transaction, "SET LOCAL synchronous_commit = off;", cancellationToken);
        return transaction;
    }

    public override void LogOpened(ILogger logger, DbConnection connection, int fromVersion, long head)
    {
        if (fromVersion < SchemaVersion)
        {
            StorageLog.SchemaMigrated(logger, fromVersion, SchemaVersion);
        }

        var npgsql = (NpgsqlConnection)connection;
        StorageLog.PostgresStoreOpened(logger, npgsql.Database, npgsql.Host ?? "", npgsql.Port, head);
    }
}
