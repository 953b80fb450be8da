using System.Data.Common;
using EdgeCommerce.Origin.Storage.Dialects;
using EdgeCommerce.Origin.Storage.Drops;
using static EdgeCommerce.Origin.Storage.StoreSql;

namespace EdgeCommerce.Origin.Storage;

/// <summary>
/// The origin store: the rules and the SQL written once over ADO.NET, one partial per concern
/// (catalogs, the change log, edges, keys, recommendations, drops, webhooks). What differs by
/// database (connections, schema, the write lock, snapshots, notification) is the
/// <see cref="StoreDialect"/>: SQLite for one origin process, PostgreSQL for any number of replicas.
/// Every write runs under the dialect's write lock with the head revision read under it, so
/// revisions stay contiguous; each change record moves the head in the same transaction, and the
/// revision is published on <see cref="RevisionSignal"/> after commit.
/// </summary>
internal sealed partial class OriginStore(StoreDialect dialect, RevisionSignal signal, TimeProvider timeProvider, ILogger<OriginStore> logger)
    : IOriginStore, IDisposable
{
    /// <summary>The database this store runs on.</summary>
    internal StoreDialect Dialect { get; } = dialect;

    public string ClusterId { get; private set; } = "";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await Dialect.PrepareAsync(cancellationToken);
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var version = await Dialect.ReadSchemaVersionAsync(connection, transaction, cancellationToken);
        if (version > Dialect.SchemaVersion)
        {
            throw new InvalidOperationException($"Unable to open the origin store: schema version {version} is newer than this build ({Dialect.SchemaVersion}).");
        }

        foreach (var step in Dialect.SchemaSteps)
        {
            if (step.Version > version)
            {
                await ExecuteAsync(connection, transaction, step.Sql, cancellationToken);
                await Dialect.RecordSchemaVersionAsync(connection, transaction, step.Version, cancellationToken);
            }
        }

        await ExecuteAsync(connection, transaction, "INSERT INTO identity (cluster_id) SELECT @id WHERE NOT EXISTS (SELECT 1 FROM identity);",
            cancellationToken, ("id", Guid.NewGuid().ToString("N")));
        await DropSql.EnsureSchemaAsync(connection, transaction, Dialect.DropDdl, cancellationToken);
        await ExecuteAsync(connection, transaction, Dialect.UnversionedSchema, cancellationToken);
        ClusterId = (string)(await ScalarAsync(connection, transaction, "SELECT cluster_id FROM identity;", cancellationToken))!;
        var head = await ReadHeadAsync(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        signal.Publish(head);
        Dialect.LogOpened(logger, connection, version, head);
    }

    public async Task<long> GetHeadRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await ReadHeadAsync(connection, null, cancellationToken);
    }

    public void Dispose() => (Dialect as IDisposable)?.Dispose();

    /// <summary>The head revision as this transaction sees it (not locked: writes take it from <see cref="StoreDialect.BeginWriteAsync"/>).</summary>
    internal static async Task<long> ReadHeadAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
        => (long)(await ScalarAsync(connection, transaction, "SELECT value FROM meta WHERE key = 'head_revision';", cancellationToken) ?? 0L);

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction under the store's write lock, given
    /// the head revision; commits, then publishes the last revision the work wrote (0: none).
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, long, Task<(T Result, long Revision)>> work, CancellationToken cancellationToken)
    {
        using var gate = await Dialect.EnterWriteAsync(cancellationToken);
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        var (transaction, head) = await Dialect.BeginWriteAsync(connection, cancellationToken);
        await using (transaction)
        {
            var (result, revision) = await work(connection, transaction, head);
            await transaction.CommitAsync(cancellationToken);
            if (revision != 0)
            {
                signal.Publish(revision);
            }

            return result;
        }
    }

    /// <summary>
    /// Commits <paramref name="statements"/> atomically without the write lock (they append no
    /// change record) and without waiting for durability (<see cref="StoreDialect.BeginRelaxedAsync"/>).
    /// </summary>
    private async Task WriteRelaxedAsync(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var transaction = await Dialect.BeginRelaxedAsync(connection, cancellationToken);
        await ExecuteBatchAsync(connection, transaction, statements, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A write as the drop and webhook rules see it (<see cref="DropWriteScope"/>).</summary>
    private Task<T> DropWriteAsync<T>(Func<DropWriteScope, Task<T>> work, CancellationToken cancellationToken)
        => WriteAsync(async (connection, transaction, head) =>
        {
            var scope = new DropWriteScope(connection, transaction, head,
                (revision, creatorId, kind, payload, token) => AppendChangeAsync(connection, transaction, revision, creatorId, kind, payload, token));
            var result = await work(scope);
            return (result, scope.Revision);
        }, cancellationToken);

    /// <summary>
    /// What every write commits: the change record, the head move and the dialect's notification,
    /// with <paramref name="alongside"/> (the write's own statements) in the same round trip.
    /// </summary>
    private Task AppendChangeAsync(DbConnection connection, DbTransaction transaction, long revision, string creatorId, ChangeKind kind, byte[] payload,
        CancellationToken cancellationToken, params SqlStatement[] alongside)
    {
        var statements = new List<SqlStatement>(2 + Dialect.NotifyRevisionSql.Count + alongside.Length)
        {
            new("INSERT INTO changes (revision, creator_id, kind, payload, created_at_ms) VALUES (@revision, @id, @kind, @payload, @at);",
                ("revision", revision), ("id", creatorId), ("kind", (int)kind), ("payload", payload),
                ("at", timeProvider.GetUtcNow().ToUnixTimeMilliseconds())),
            new("UPDATE meta SET value = @revision WHERE key = 'head_revision';", ("revision", revision)),
        };
        foreach (var notify in Dialect.NotifyRevisionSql)
        {
            statements.Add(new(notify, ("revision", revision)));
        }

        statements.AddRange(alongside);
        return ExecuteBatchAsync(connection, transaction, statements, cancellationToken);
    }
}
