using System.Data.Common;

namespace EdgeCommerce.Origin.Storage.Dialects;

/// <summary>One versioned schema step: <see cref="Sql"/> takes the schema from <c>Version - 1</c> to <see cref="Version"/>.</summary>
internal sealed record SchemaStep(int Version, string Sql);

/// <summary>
/// What differs between the databases <see cref="OriginStore"/> runs on: how a connection is made,
/// the schema (DDL and its versioned steps, and where the version is kept), how a write takes the
/// store's one write lock, the read-snapshot and relaxed-durability transactions, how other
/// processes hear of a commit, and the byte-order collation. Everything else, the rules and the
/// SQL they share, is written once in <see cref="OriginStore"/>.
/// </summary>
internal abstract class StoreDialect
{
    /// <summary>The versioned steps, in order; the last one's version is the schema this build creates and understands.</summary>
    public abstract IReadOnlyList<SchemaStep> SchemaSteps { get; }

    public int SchemaVersion => SchemaSteps[^1].Version;

    /// <summary>The drop tables in this database's types, handed to <see cref="Drops.DropSql.EnsureSchemaAsync"/>.</summary>
    public abstract Drops.DropDdl DropDdl { get; }

    /// <summary>
    /// Tables created idempotently beside the versioned steps (no version bump), so a feature adds
    /// its tables without renumbering other features' steps; fold into the next version.
    /// </summary>
    public abstract string UnversionedSchema { get; }

    /// <summary>Appended to an <c>ORDER BY</c> term on text: byte order, the order the edges sort in.</summary>
    public abstract string ByteOrder { get; }

    /// <summary>An open connection, set up as every statement of the store expects.</summary>
    public abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Before the migration transaction: whatever must exist or be set outside one.</summary>
    public virtual Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The version the database is at (0 when new), read inside the migration transaction once other migrators are excluded.</summary>
    public abstract Task<int> ReadSchemaVersionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Records that the step to <paramref name="version"/> is applied, in the same transaction.</summary>
    public abstract Task RecordSchemaVersionAsync(DbConnection connection, DbTransaction transaction, int version, CancellationToken cancellationToken);

    /// <summary>
    /// Held for a whole write transaction, from before it begins until after it ends; what only
    /// one process can take (an in-process gate) rather than what the database itself locks.
    /// </summary>
    public virtual ValueTask<IDisposable?> EnterWriteAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IDisposable?>(null);

    /// <summary>Begins a write transaction and takes the store's write lock in it; returns the head revision, current under that lock.</summary>
    public abstract Task<(DbTransaction Transaction, long Head)> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>A read-only transaction over one consistent state, however many writes commit meanwhile.</summary>
    public abstract Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// A transaction whose commit does not wait to be durable: for records whose loss in a crash
    /// costs nothing but staleness (the edge registry, training interactions). Still atomic.
    /// </summary>
    public abstract Task<DbTransaction> BeginRelaxedAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Statements added to every change record's write, delivered to other processes at commit
    /// (<c>@revision</c> is bound); none where one process owns the database.
    /// </summary>
    public virtual IReadOnlyList<string> NotifyRevisionSql => [];

    /// <summary>Logs the store opened (and migrated from <paramref name="fromVersion"/>).</summary>
    public abstract void LogOpened(ILogger logger, DbConnection connection, int fromVersion, long head);
}
