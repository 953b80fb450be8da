using System.Data;
using Npgsql;
using NpgsqlTypes;

namespace EdgeCommerce.Origin.Storage.Postgres;

/// <summary>
/// The shared store: one PostgreSQL database behind any number of origin replicas. Every write
/// locks the <c>meta</c> head row (<c>SELECT … FOR UPDATE</c>) before it reads anything, so
/// writers from every process serialize there and revisions stay contiguous; the revision comes
/// from that row, never from a process. The write transaction also queues
/// <c>pg_notify</c>, which PostgreSQL delivers to every listening replica at commit
/// (<see cref="PostgresRevisionListener"/>).
/// </summary>
internal sealed partial class PostgresOriginStore(NpgsqlDataSource dataSource, RevisionSignal signal, TimeProvider timeProvider, ILogger<PostgresOriginStore> logger) : IOriginStore
{
    /// <summary>The schema this build creates and understands.</summary>
    internal const int SchemaVersion = 2;

    /// <summary>The channel write transactions notify and listeners listen on.</summary>
    internal const string RevisionChannel = "edgecommerce_revisions";

    /// <summary>Transaction-scoped advisory lock key serializing migrations across processes ("EdgeCommerce" in ASCII, truncated).</summary>
    private const long MigrationLockKey = 0x45646765436F6D;

    public string ClusterId { get; private set; } = "";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Two origins starting at once: the second waits here until the first committed its
        // migration, then finds it done. CREATE TABLE IF NOT EXISTS alone races on the catalog.
        await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@key);", cancellationToken, ("key", MigrationLockKey));
        await ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS schema_version (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """, cancellationToken);
        var version = (int)(await ScalarAsync(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM schema_version;", cancellationToken) ?? 0);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"Unable to open the origin store: schema version {version} is newer than this build ({SchemaVersion}).");
        }

        if (version < 1)
        {
            // Times are Unix milliseconds, as in the SQLite store, so both compare alike.
            await ExecuteAsync(connection, transaction, """
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
                INSERT INTO schema_version (version) VALUES (1);
                """, cancellationToken);
            await ExecuteAsync(connection, transaction, "INSERT INTO identity (cluster_id) VALUES (@id);", cancellationToken, ("id", Guid.NewGuid().ToString("N")));
        }

        if (version < 2)
        {
            await ExecuteAsync(connection, transaction, """
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
                INSERT INTO schema_version (version) VALUES (2);
                """, cancellationToken);
        }

        await Drops.DropSql.EnsureSchemaAsync(connection, transaction, Drops.DropSql.PostgresSchema, Drops.DropSql.PostgresUpgradeV3, cancellationToken);
        await CreateRecommendationTablesAsync(connection, transaction, cancellationToken);
        await CreateEdgeRevocationTablesAsync(connection, transaction, cancellationToken);
        ClusterId = (string)(await ScalarAsync(connection, transaction, "SELECT cluster_id FROM identity;", cancellationToken))!;
        var head = await ReadHeadAsync(connection, transaction, forUpdate: false, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (version < SchemaVersion)
        {
            StorageLog.SchemaMigrated(logger, version, SchemaVersion);
        }

        signal.Publish(head);
        StorageLog.PostgresStoreOpened(logger, connection.Database, connection.Host ?? "", connection.Port, head);
    }

    public async Task<long> GetHeadRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadHeadAsync(connection, null, forUpdate: false, cancellationToken);
    }

    public async Task<CatalogWriteResult> PutCatalogAsync(CatalogWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        // The head row lock comes first: in READ COMMITTED every later statement sees what the
        // previous lock holder committed, so the hash and If-Match checks are never stale.
        var head = await ReadHeadAsync(connection, transaction, forUpdate: true, cancellationToken);
        long? currentRevision = null;
        byte[]? currentHash = null;
        await using (var select = Command(connection, transaction, "SELECT revision, content_hash FROM catalogs WHERE creator_id = @id;", ("id", write.CreatorId)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                currentRevision = reader.GetInt64(0);
                currentHash = reader.GetFieldValue<byte[]>(1);
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

        var revision = head + 1;
        var payload = write.BuildPayload(revision);
        var inUse = await Drops.DropSql.FindSkusInUseAsync(connection, transaction, write.CreatorId, payload, write.Now, cancellationToken);
        if (inUse.Count > 0 && !write.Force)
        {
            return new CatalogWriteResult(CatalogWriteOutcome.SkusInUse, currentRevision ?? 0, inUse);
        }

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            AddChange(batch, revision, write.CreatorId, ChangeKind.CatalogUpserted, payload);
            batch.BatchCommands.Add(BatchCommand("""
                INSERT INTO catalogs (creator_id, revision, content_hash, document, payload, product_count)
                VALUES (@id, @revision, @hash, @document, @payload, @count)
                ON CONFLICT (creator_id) DO UPDATE SET
                    revision = excluded.revision, content_hash = excluded.content_hash, document = excluded.document,
                    payload = excluded.payload, product_count = excluded.product_count;
                """,
                ("id", write.CreatorId), ("revision", revision), ("hash", write.ContentHash),
                ("document", write.DocumentJson), ("payload", payload), ("count", write.ProductCount)));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        signal.Publish(revision);
        return new CatalogWriteResult(currentRevision is null ? CatalogWriteOutcome.Created : CatalogWriteOutcome.Updated, revision);
    }

    public async Task<CatalogWriteResult> DeleteCreatorAsync(string creatorId, long? expectedRevision, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var head = await ReadHeadAsync(connection, transaction, forUpdate: true, cancellationToken);
        if (await ScalarAsync(connection, transaction, "SELECT revision FROM catalogs WHERE creator_id = @id;", cancellationToken, ("id", creatorId)) is not long currentRevision)
        {
            return new CatalogWriteResult(CatalogWriteOutcome.NotFound, 0);
        }

        if (expectedRevision is { } expected && expected != currentRevision)
        {
            return new CatalogWriteResult(CatalogWriteOutcome.PreconditionFailed, currentRevision);
        }

        var revision = head + 1;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            AddChange(batch, revision, creatorId, ChangeKind.CreatorDeleted, []);
            batch.BatchCommands.Add(BatchCommand("DELETE FROM catalogs WHERE creator_id = @id;", ("id", creatorId)));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        signal.Publish(revision);
        return new CatalogWriteResult(CatalogWriteOutcome.Deleted, revision);
    }

    public async Task<StoredCatalog?> GetCatalogAsync(string creatorId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null, "SELECT revision, document FROM catalogs WHERE creator_id = @id;", ("id", creatorId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredCatalog(creatorId, reader.GetInt64(0), reader.GetString(1))
            : null;
    }

    public async Task<IReadOnlyList<CreatorSummary>> ListCreatorsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // COLLATE "C": byte order, as SQLite's default BINARY collation and the edges' ordinal sort.
        await using var select = Command(connection, null, "SELECT creator_id, revision, product_count FROM catalogs ORDER BY creator_id COLLATE \"C\";");
        return await StoreRows.ReadAllAsync(select, StoreRows.Creator, cancellationToken);
    }

    public async Task<IReadOnlyList<ChangeRecord>> ReadChangesAsync(long afterRevision, int maxCount, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT revision, creator_id, kind, payload FROM changes WHERE revision > @after ORDER BY revision LIMIT @max;",
            ("after", afterRevision), ("max", maxCount));
        return await StoreRows.ReadAllAsync(select, StoreRows.Change, cancellationToken);
    }

    public async Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            // REPEATABLE READ takes one MVCC snapshot at the first statement: the head, the count
            // and every streamed row agree, however many writes commit meanwhile. READ ONLY lets
            // PostgreSQL skip the bookkeeping a writer needs.
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await ExecuteAsync(connection, transaction, "SET TRANSACTION READ ONLY;", cancellationToken);
            var head = await ReadHeadAsync(connection, transaction, forUpdate: false, cancellationToken);
            var count = (long)(await ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM catalogs;", cancellationToken) ?? 0L);
            var keySet = await ScalarAsync(connection, transaction, "SELECT payload FROM key_set WHERE id = 1;", cancellationToken) as byte[];
            var drops = await Drops.DropSql.ReadPayloadsAsync(connection, transaction, cancellationToken);
            return new PostgresStoreSnapshot(connection, transaction, head, checked((int)count), keySet, drops);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (long)(await ScalarAsync(connection, null, "SELECT value FROM meta WHERE key = 'compacted_revision';", cancellationToken) ?? 0L);
    }

    public async Task<long> GetLastRevisionAtOrBeforeAsync(DateTimeOffset time, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (long)(await ScalarAsync(connection, null, "SELECT COALESCE(MAX(revision), 0) FROM changes WHERE created_at_ms <= @at;",
            cancellationToken, ("at", time.ToUnixTimeMilliseconds())) ?? 0L);
    }

    public async Task<int> CompactAsync(long revision, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        // Under the head lock, like a write: two replicas compacting at once take turns, and the
        // horizon never passes a revision still being written.
        var head = await ReadHeadAsync(connection, transaction, forUpdate: true, cancellationToken);
        var horizon = Math.Min(revision, head);
        var current = (long)(await ScalarAsync(connection, transaction, "SELECT value FROM meta WHERE key = 'compacted_revision';", cancellationToken) ?? 0L);
        if (horizon <= current)
        {
            return 0;
        }

        await using var delete = Command(connection, transaction, "DELETE FROM changes WHERE revision <= @horizon;", ("horizon", horizon));
        var deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "UPDATE meta SET value = @horizon WHERE key = 'compacted_revision';", cancellationToken, ("horizon", horizon));
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task<DateTimeOffset?> GetRevisionTimeAsync(long revision, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ScalarAsync(connection, null, "SELECT created_at_ms FROM changes WHERE revision = @revision;", cancellationToken, ("revision", revision)) is long ms
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

        // One round trip, one transaction, no head lock, and no wait for the WAL flush: a
        // registry update lost in a crash only makes an edge's lag look older (the commit is
        // still atomic; only its durability is relaxed, for this transaction alone).
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off;"));
        foreach (var edge in edges)
        {
            batch.BatchCommands.Add(BatchCommand("""
                INSERT INTO edges (id, region, public_url, protocol_version, applied_revision, connected, last_contact_ms, last_rejection)
                VALUES (@id, @region, @url, @version, @applied, @connected, @contact, @rejection)
                ON CONFLICT (id) DO UPDATE SET
                    region = excluded.region, public_url = excluded.public_url, protocol_version = excluded.protocol_version,
                    applied_revision = excluded.applied_revision, connected = excluded.connected,
                    last_contact_ms = excluded.last_contact_ms, last_rejection = excluded.last_rejection;
                """,
                ("id", edge.Id), ("region", edge.Region), ("url", edge.PublicUrl), ("version", edge.ProtocolVersion),
                ("applied", edge.AppliedRevision), ("connected", edge.Connected),
                ("contact", edge.LastContact.ToUnixTimeMilliseconds()), ("rejection", (object?)edge.LastRejection ?? DBNull.Value)));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<EdgeRecord>> ListEdgesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT id, region, public_url, protocol_version, applied_revision, connected, last_contact_ms, last_rejection FROM edges ORDER BY id COLLATE \"C\";");
        return await StoreRows.ReadAllAsync(select, StoreRows.Edge, cancellationToken);
    }

    public async Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT kid, private_key, created_at_ms, published_revision, signing_from_ms, retire_at_ms, revoked FROM signing_keys ORDER BY created_at_ms, kid COLLATE \"C\";");
        return await StoreRows.ReadAllAsync(select, StoreRows.SigningKey, cancellationToken);
    }

    public async Task<long> SaveSigningKeysAsync(IReadOnlyList<SigningKeyRecord> keys, byte[] publicKeySet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(publicKeySet);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var revision = await ReadHeadAsync(connection, transaction, forUpdate: true, cancellationToken) + 1;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            AddChange(batch, revision, "", ChangeKind.KeysChanged, publicKeySet);
            batch.BatchCommands.Add(BatchCommand("DELETE FROM signing_keys;"));
            foreach (var key in keys)
            {
                var insert = BatchCommand("""
                    INSERT INTO signing_keys (kid, private_key, created_at_ms, published_revision, signing_from_ms, retire_at_ms, revoked)
                    VALUES (@kid, @key, @created, @published, @from, @retire, @revoked);
                    """,
                    ("kid", key.KeyId), ("key", key.PrivateKey), ("created", key.CreatedAt.ToUnixTimeMilliseconds()),
                    ("published", key.PublishedRevision == 0 ? revision : key.PublishedRevision),
                    ("from", key.SigningFrom.ToUnixTimeMilliseconds()), ("revoked", key.Revoked));
                insert.Parameters.Add(new NpgsqlParameter("retire", NpgsqlDbType.Bigint) { Value = (object?)key.RetireAt?.ToUnixTimeMilliseconds() ?? DBNull.Value });
                batch.BatchCommands.Add(insert);
            }

            batch.BatchCommands.Add(BatchCommand("INSERT INTO key_set (id, payload) VALUES (1, @payload) ON CONFLICT (id) DO UPDATE SET payload = excluded.payload;",
                ("payload", publicKeySet)));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        signal.Publish(revision);
        return revision;
    }

    /// <summary>The head revision; with <paramref name="forUpdate"/>, locked until the transaction ends.</summary>
    internal static async Task<long> ReadHeadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, bool forUpdate, CancellationToken cancellationToken)
        => (long)(await ScalarAsync(connection, transaction,
            forUpdate ? "SELECT value FROM meta WHERE key = 'head_revision' FOR UPDATE;" : "SELECT value FROM meta WHERE key = 'head_revision';",
            cancellationToken) ?? 0L);

    /// <summary>The change record, the head move and the notification: the three things every write commits.</summary>
    private void AddChange(NpgsqlBatch batch, long revision, string creatorId, ChangeKind kind, byte[] payload)
    {
        batch.BatchCommands.Add(BatchCommand(
            "INSERT INTO changes (revision, creator_id, kind, payload, created_at_ms) VALUES (@revision, @id, @kind, @payload, @at);",
            ("revision", revision), ("id", creatorId), ("kind", (int)kind), ("payload", payload),
            ("at", timeProvider.GetUtcNow().ToUnixTimeMilliseconds())));
        batch.BatchCommands.Add(BatchCommand("UPDATE meta SET value = @revision WHERE key = 'head_revision';", ("revision", revision)));
        // Queued in the transaction: delivered at commit, dropped on rollback, in commit order.
        batch.BatchCommands.Add(BatchCommand($"SELECT pg_notify('{RevisionChannel}', @revision::text);", ("revision", revision)));
    }

    private static NpgsqlBatchCommand BatchCommand(string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(Parameter(name, value));
        }

        return command;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(Parameter(name, value));
        }

        return command;
    }

    private static NpgsqlParameter Parameter(string name, object value) => value switch
    {
        // Explicit types where inference would be ambiguous (an empty byte[] or a null text).
        byte[] bytes => new NpgsqlParameter(name, NpgsqlDbType.Bytea) { Value = bytes },
        DBNull => new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = DBNull.Value },
        _ => new NpgsqlParameter(name, value),
    };

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
