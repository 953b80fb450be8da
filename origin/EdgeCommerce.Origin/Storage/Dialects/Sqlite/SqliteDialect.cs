using System.Data.Common;
using System.Globalization;
using EdgeCommerce.Origin.Storage.Drops;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Storage.Dialects.Sqlite;

/// <summary>
/// The embedded default: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a write is
/// on disk before the admin API acknowledges it. Writers are serialized in-process (SQLite allows
/// one writer anyway) and use <c>BEGIN IMMEDIATE</c>; readers never block them. One process owns
/// the file, so there is nobody to notify.
/// </summary>
internal sealed class SqliteDialect : StoreDialect, IDisposable
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public SqliteDialect(IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
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
    }

    public string DatabasePath { get; }

    public override IReadOnlyList<SchemaStep> SchemaSteps => SqliteSchema.Steps;

    public override DropDdl DropDdl => SqliteDropSchema.Ddl;

    public override string UnversionedSchema => SqliteSchema.Unversioned;

    public override string ByteOrder => "COLLATE BINARY";

    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // synchronous is per connection: FULL makes a commit durable before we acknowledge it.
            await StoreSql.ExecuteAsync(connection, null, $"PRAGMA synchronous=FULL; PRAGMA busy_timeout={_busyTimeoutMs}; PRAGMA foreign_keys=ON;", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(DatabasePath))
        {
            // Created owner-only before SQLite opens it: SQLite gives the -wal, -shm and journal
            // files the database file's mode, so they are owner-only from their first byte too.
            await using (new FileStream(DatabasePath, EdgeCommerce.Contracts.OwnerOnly.CreateOptions(FileMode.CreateNew)))
            {
            }
        }

        // The journal mode is kept in the file: set once, every later connection is in WAL.
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await StoreSql.ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
    }

    public override async Task<int> ReadSchemaVersionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
        => Convert.ToInt32(await StoreSql.ScalarAsync(connection, transaction, "PRAGMA user_version;", cancellationToken) ?? 0L, CultureInfo.InvariantCulture);

    public override Task RecordSchemaVersionAsync(DbConnection connection, DbTransaction transaction, int version, CancellationToken cancellationToken)
        => StoreSql.ExecuteAsync(connection, transaction, $"PRAGMA user_version = {version.ToString(CultureInfo.InvariantCulture)};", cancellationToken);

    public override async ValueTask<IDisposable?> EnterWriteAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        return new GateRelease(_writeGate);
    }

    public override async Task<(DbTransaction Transaction, long Head)> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // BEGIN IMMEDIATE takes SQLite's write lock now (another process on the file waits for
        // busy_timeout); the gate already excludes this process's other writers.
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        return (transaction, await OriginStore.ReadHeadAsync(connection, transaction, cancellationToken));
    }

    public override Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // A deferred transaction is one WAL read snapshot from its first read on.
#pragma warning disable CA1849 // Only the synchronous overload takes 'deferred'; Microsoft.Data.Sqlite's async methods complete synchronously anyway.
        return Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));
#pragma warning restore CA1849
    }

    public override async Task<DbTransaction> BeginRelaxedAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // In WAL mode synchronous=NORMAL skips the fsync without risking corruption; the
        // connection returns to FULL when it is next opened from the pool.
        await StoreSql.ExecuteAsync(connection, null, "PRAGMA synchronous=NORMAL;", cancellationToken);
        return await connection.BeginTransactionAsync(cancellationToken);
    }

    public override void LogOpened(ILogger logger, DbConnection connection, int fromVersion, long head)
        => StorageLog.StoreOpened(logger, DatabasePath, head);

    public void Dispose()
    {
        _writeGate.Dispose();
        SqliteConnection.ClearAllPools();
    }

    private sealed class GateRelease(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
