using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Storage;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a
/// write is on disk before the admin API acknowledges it. Writers are serialized in-process
/// (SQLite allows one writer anyway) and use <c>BEGIN IMMEDIATE</c>; readers never block them.
/// </summary>
internal sealed partial class SqliteOriginStore : IOriginStore, IDisposable
{
    private const int SchemaVersion = 1;

    private readonly string _connectionString;
    private readonly RevisionSignal _signal;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SqliteOriginStore> _logger;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly int _busyTimeoutMs;

    public SqliteOriginStore(IOptions<StorageOptions> options, RevisionSignal signal, TimeProvider timeProvider, ILogger<SqliteOriginStore> logger)
    {
        var value = options.Value;
        var directory = Path.GetFullPath(value.DataDirectory);
        Directory.CreateDirectory(directory);
        DatabasePath = Path.Combine(directory, "origin.db");
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
        _busyTimeoutMs = (int)value.BusyTimeout.TotalMilliseconds;
        _signal = signal;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string DatabasePath { get; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var version = Convert.ToInt32(await ScalarAsync(connection, transaction, "PRAGMA user_version;", cancellationToken) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"Unable to open the origin store: schema version {version} is newer than this build ({SchemaVersion}).");
        }

        if (version < 1)
        {
            await ExecuteAsync(connection, transaction, """
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
                PRAGMA user_version = 1;
                """, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        var head = await ReadHeadAsync(connection, null, cancellationToken);
        _signal.Publish(head);
        StorageLog.StoreOpened(_logger, DatabasePath, head);
    }

    public async Task<long> GetHeadRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ReadHeadAsync(connection, null, cancellationToken);
    }

    public async Task<CatalogWriteResult> PutCatalogAsync(CatalogWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            long? currentRevision = null;
            byte[]? currentHash = null;
            await using (var select = Command(connection, transaction, "SELECT revision, content_hash FROM catalogs WHERE creator_id = $id;", ("$id", write.CreatorId)))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    currentRevision = reader.GetInt64(0);
                    currentHash = (byte[])reader.GetValue(1);
                }
            }

            if (write.ExpectedRevision is { } expected && expected != currentRevision)
            {
                return new CatalogWriteResult(CatalogWriteOutcome.PreconditionFailed, currentRevision ?? 0);
            }

            if (currentHash is not null && currentHash.AsSpan().SequenceEqual(write.ContentHash))
            {
                return new CatalogWriteResult(CatalogWriteOutcome.Unchanged, currentRevision!.Value);
            }

            var revision = await ReadHeadAsync(connection, transaction, cancellationToken) + 1;
            var payload = write.BuildPayload(revision);
            await AppendChangeAsync(connection, transaction, revision, write.CreatorId, ChangeKind.CatalogUpserted, payload, cancellationToken);
            await using (var upsert = Command(connection, transaction, """
                INSERT INTO catalogs (creator_id, revision, content_hash, document, payload, product_count)
                VALUES ($id, $revision, $hash, $document, $payload, $count)
                ON CONFLICT (creator_id) DO UPDATE SET
                    revision = excluded.revision, content_hash = excluded.content_hash, document = excluded.document,
                    payload = excluded.payload, product_count = excluded.product_count;
                """,
                ("$id", write.CreatorId), ("$revision", revision), ("$hash", write.ContentHash),
                ("$document", write.DocumentJson), ("$payload", payload), ("$count", write.ProductCount)))
            {
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            _signal.Publish(revision);
            return new CatalogWriteResult(currentRevision is null ? CatalogWriteOutcome.Created : CatalogWriteOutcome.Updated, revision);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<CatalogWriteResult> DeleteCreatorAsync(string creatorId, long? expectedRevision, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var current = await ScalarAsync(connection, transaction, "SELECT revision FROM catalogs WHERE creator_id = $id;", cancellationToken, ("$id", creatorId));
            if (current is not long currentRevision)
            {
                return new CatalogWriteResult(CatalogWriteOutcome.NotFound, 0);
            }

            if (expectedRevision is { } expected && expected != currentRevision)
            {
                return new CatalogWriteResult(CatalogWriteOutcome.PreconditionFailed, currentRevision);
            }

            var revision = await ReadHeadAsync(connection, transaction, cancellationToken) + 1;
            await AppendChangeAsync(connection, transaction, revision, creatorId, ChangeKind.CreatorDeleted, [], cancellationToken);
            await using (var delete = Command(connection, transaction, "DELETE FROM catalogs WHERE creator_id = $id;", ("$id", creatorId)))
            {
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            _signal.Publish(revision);
            return new CatalogWriteResult(CatalogWriteOutcome.Deleted, revision);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<StoredCatalog?> GetCatalogAsync(string creatorId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = Command(connection, null, "SELECT revision, document FROM catalogs WHERE creator_id = $id;", ("$id", creatorId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredCatalog(creatorId, reader.GetInt64(0), reader.GetString(1))
            : null;
    }

    public async Task<IReadOnlyList<CreatorSummary>> ListCreatorsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = Command(connection, null, "SELECT creator_id, revision, product_count FROM catalogs ORDER BY creator_id;");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var creators = new List<CreatorSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            creators.Add(new CreatorSummary(reader.GetString(0), reader.GetInt64(1), reader.GetInt32(2)));
        }

        return creators;
    }

    public async Task<IReadOnlyList<ChangeRecord>> ReadChangesAsync(long afterRevision, int maxCount, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT revision, creator_id, kind, payload FROM changes WHERE revision > $after ORDER BY revision LIMIT $max;",
            ("$after", afterRevision), ("$max", maxCount));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var changes = new List<ChangeRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add(new ChangeRecord(reader.GetInt64(0), reader.GetString(1), (ChangeKind)reader.GetInt32(2), (byte[])reader.GetValue(3)));
        }

        return changes;
    }

    public async Task<StoreSnapshot> ReadSnapshotAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // A deferred transaction is one WAL read snapshot: the head and the rows agree.
#pragma warning disable CA1849 // Only the synchronous overload takes 'deferred'; Microsoft.Data.Sqlite's async methods complete synchronously anyway.
        await using var transaction = connection.BeginTransaction(deferred: true);
#pragma warning restore CA1849
        var head = await ReadHeadAsync(connection, transaction, cancellationToken);
        await using var select = Command(connection, transaction, "SELECT payload FROM catalogs ORDER BY creator_id;");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var catalogs = new List<byte[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            catalogs.Add((byte[])reader.GetValue(0));
        }

        return new StoreSnapshot(head, catalogs);
    }

    public void Dispose()
    {
        _writeGate.Dispose();
        SqliteConnection.ClearAllPools();
    }

    private async Task AppendChangeAsync(SqliteConnection connection, SqliteTransaction transaction, long revision, string creatorId, ChangeKind kind, byte[] payload, CancellationToken cancellationToken)
    {
        await using (var insert = Command(connection, transaction,
            "INSERT INTO changes (revision, creator_id, kind, payload, created_at_ms) VALUES ($revision, $id, $kind, $payload, $at);",
            ("$revision", revision), ("$id", creatorId), ("$kind", (int)kind), ("$payload", payload),
            ("$at", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds())))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await ExecuteAsync(connection, transaction, "UPDATE meta SET value = $revision WHERE key = 'head_revision';", cancellationToken, ("$revision", revision));
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // synchronous is per connection: FULL makes a commit durable before we acknowledge it.
            await ExecuteAsync(connection, null, $"PRAGMA synchronous=FULL; PRAGMA busy_timeout={_busyTimeoutMs}; PRAGMA foreign_keys=ON;", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task<long> ReadHeadAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
        => (long)(await ScalarAsync(connection, transaction, "SELECT value FROM meta WHERE key = 'head_revision';", cancellationToken) ?? 0L);

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using DbCommand command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
