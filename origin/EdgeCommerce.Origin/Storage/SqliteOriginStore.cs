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
    private const int SchemaVersion = 3;

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
        EdgeCommerce.Contracts.OwnerOnly.CreateDirectory(directory);
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

    public string ClusterId { get; private set; } = "";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(DatabasePath))
        {
            // Created owner-only before SQLite opens it: SQLite gives the -wal, -shm and journal
            // files the database file's mode, so they are owner-only from their first byte too.
            await using (new FileStream(DatabasePath, EdgeCommerce.Contracts.OwnerOnly.CreateOptions(FileMode.CreateNew)))
            {
            }
        }

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

        if (version < 2)
        {
            await ExecuteAsync(connection, transaction, """
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
                PRAGMA user_version = 2;
                """, cancellationToken);
            await ExecuteAsync(connection, transaction, "INSERT INTO identity (cluster_id) SELECT $id WHERE NOT EXISTS (SELECT 1 FROM identity);",
                cancellationToken, ("$id", Guid.NewGuid().ToString("N")));
        }

        if (version < 3)
        {
            await ExecuteAsync(connection, transaction, """
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
                PRAGMA user_version = 3;
                """, cancellationToken);
        }

        await Drops.DropSql.EnsureSchemaAsync(connection, transaction, Drops.DropSql.SqliteSchema, Drops.DropSql.SqliteUpgradeV3, cancellationToken);
        await CreateRecommendationTablesAsync(connection, transaction, cancellationToken);
        await CreateEdgeRevocationTablesAsync(connection, transaction, cancellationToken);
        ClusterId = (string)(await ScalarAsync(connection, transaction, "SELECT cluster_id FROM identity;", cancellationToken))!;
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
            var inUse = await Drops.DropSql.FindSkusInUseAsync(connection, transaction, write.CreatorId, payload, write.Now, cancellationToken);
            if (inUse.Count > 0 && !write.Force)
            {
                return new CatalogWriteResult(CatalogWriteOutcome.SkusInUse, currentRevision ?? 0, inUse);
            }

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
        return await StoreRows.ReadAllAsync(select, StoreRows.Creator, cancellationToken);
    }

    public async Task<IReadOnlyList<ChangeRecord>> ReadChangesAsync(long afterRevision, int maxCount, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT revision, creator_id, kind, payload FROM changes WHERE revision > $after ORDER BY revision LIMIT $max;",
            ("$after", afterRevision), ("$max", maxCount));
        return await StoreRows.ReadAllAsync(select, StoreRows.Change, cancellationToken);
    }

    public async Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        try
        {
            // A deferred transaction is one WAL read snapshot: the head, the count and the rows agree,
            // however many writes commit while the snapshot streams.
#pragma warning disable CA1849 // Only the synchronous overload takes 'deferred'; Microsoft.Data.Sqlite's async methods complete synchronously anyway.
            var transaction = connection.BeginTransaction(deferred: true);
#pragma warning restore CA1849
            var head = await ReadHeadAsync(connection, transaction, cancellationToken);
            var count = Convert.ToInt32(await ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM catalogs;", cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            var keySet = await ScalarAsync(connection, transaction, "SELECT payload FROM key_set WHERE id = 1;", cancellationToken) as byte[];
            var drops = await Drops.DropSql.ReadPayloadsAsync(connection, transaction, cancellationToken);
            return new SqliteStoreSnapshot(connection, transaction, head, count, keySet, drops);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (long)(await ScalarAsync(connection, null, "SELECT value FROM meta WHERE key = 'compacted_revision';", cancellationToken) ?? 0L);
    }

    public async Task<long> GetLastRevisionAtOrBeforeAsync(DateTimeOffset time, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (long)(await ScalarAsync(connection, null, "SELECT COALESCE(MAX(revision), 0) FROM changes WHERE created_at_ms <= $at;",
            cancellationToken, ("$at", time.ToUnixTimeMilliseconds())) ?? 0L);
    }

    public async Task<int> CompactAsync(long revision, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var head = await ReadHeadAsync(connection, transaction, cancellationToken);
            var horizon = Math.Min(revision, head);
            var current = (long)(await ScalarAsync(connection, transaction, "SELECT value FROM meta WHERE key = 'compacted_revision';", cancellationToken) ?? 0L);
            if (horizon <= current)
            {
                return 0;
            }

            await using var delete = Command(connection, transaction, "DELETE FROM changes WHERE revision <= $horizon;", ("$horizon", horizon));
            var deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
            await ExecuteAsync(connection, transaction, "UPDATE meta SET value = $horizon WHERE key = 'compacted_revision';", cancellationToken, ("$horizon", horizon));
            await transaction.CommitAsync(cancellationToken);
            return deleted;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<DateTimeOffset?> GetRevisionTimeAsync(long revision, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ScalarAsync(connection, null, "SELECT created_at_ms FROM changes WHERE revision = $revision;", cancellationToken, ("$revision", revision)) is long ms
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
    }

    public async Task RecordEdgesAsync(IReadOnlyCollection<EdgeRecord> edges, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Count == 0)
        {
            return;
        }

        // Registry updates do not take the catalog write gate, and in WAL mode synchronous=NORMAL
        // skips the fsync without risking corruption: a lost registry update only ages the lag.
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "PRAGMA synchronous=NORMAL;", cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var edge in edges)
        {
            await ExecuteAsync(connection, transaction, """
                INSERT INTO edges (id, region, public_url, protocol_version, applied_revision, connected, last_contact_ms, last_rejection)
                VALUES ($id, $region, $url, $version, $applied, $connected, $contact, $rejection)
                ON CONFLICT (id) DO UPDATE SET
                    region = excluded.region, public_url = excluded.public_url, protocol_version = excluded.protocol_version,
                    applied_revision = excluded.applied_revision, connected = excluded.connected,
                    last_contact_ms = excluded.last_contact_ms, last_rejection = excluded.last_rejection;
                """, cancellationToken,
                ("$id", edge.Id), ("$region", edge.Region), ("$url", edge.PublicUrl), ("$version", edge.ProtocolVersion),
                ("$applied", edge.AppliedRevision), ("$connected", edge.Connected ? 1 : 0),
                ("$contact", edge.LastContact.ToUnixTimeMilliseconds()), ("$rejection", (object?)edge.LastRejection ?? DBNull.Value));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<EdgeRecord>> ListEdgesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT id, region, public_url, protocol_version, applied_revision, connected, last_contact_ms, last_rejection FROM edges ORDER BY id;");
        return await StoreRows.ReadAllAsync(select, StoreRows.Edge, cancellationToken);
    }

    public async Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT kid, private_key, created_at_ms, published_revision, signing_from_ms, retire_at_ms, revoked FROM signing_keys ORDER BY created_at_ms, kid;");
        return await StoreRows.ReadAllAsync(select, StoreRows.SigningKey, cancellationToken);
    }

    public async Task<long> SaveSigningKeysAsync(IReadOnlyList<SigningKeyRecord> keys, byte[] publicKeySet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(publicKeySet);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var revision = await ReadHeadAsync(connection, transaction, cancellationToken) + 1;
            await AppendChangeAsync(connection, transaction, revision, "", ChangeKind.KeysChanged, publicKeySet, cancellationToken);
            await ExecuteAsync(connection, transaction, "DELETE FROM signing_keys;", cancellationToken);
            foreach (var key in keys)
            {
                await ExecuteAsync(connection, transaction, """
                    INSERT INTO signing_keys (kid, private_key, created_at_ms, published_revision, signing_from_ms, retire_at_ms, revoked)
                    VALUES ($kid, $key, $created, $published, $from, $retire, $revoked);
                    """, cancellationToken,
                    ("$kid", key.KeyId), ("$key", key.PrivateKey), ("$created", key.CreatedAt.ToUnixTimeMilliseconds()),
                    ("$published", key.PublishedRevision == 0 ? revision : key.PublishedRevision),
                    ("$from", key.SigningFrom.ToUnixTimeMilliseconds()),
                    ("$retire", (object?)key.RetireAt?.ToUnixTimeMilliseconds() ?? DBNull.Value), ("$revoked", key.Revoked ? 1 : 0));
            }

            await ExecuteAsync(connection, transaction, "INSERT INTO key_set (id, payload) VALUES (1, $payload) ON CONFLICT (id) DO UPDATE SET payload = excluded.payload;",
                cancellationToken, ("$payload", publicKeySet));
            await transaction.CommitAsync(cancellationToken);
            _signal.Publish(revision);
            return revision;
        }
        finally
        {
            _writeGate.Release();
        }
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
