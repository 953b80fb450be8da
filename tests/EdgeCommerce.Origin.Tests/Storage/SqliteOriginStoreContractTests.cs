using System.Globalization;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Dialects.Sqlite;
using EdgeCommerce.Tests.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>The store contract against the SQLite store: a real file in a fresh temp directory per test.</summary>
public sealed class SqliteOriginStoreContractTests : OriginStoreContractTests
{
    private readonly TempDirectory _directory = new("edgecommerce-store");
    private readonly List<OriginStore> _stores = [];

    public override ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private protected override IOriginStore CreateStore(RevisionSignal signal)
    {
        // Two instances on one file (two processes) wait for SQLite's write lock: give them time.
        var options = new StorageOptions { DataDirectory = _directory.Path, BusyTimeout = TimeSpan.FromMinutes(1) };
        var store = new OriginStore(new SqliteDialect(Options.Create(options)), signal, Time, NullLogger<OriginStore>.Instance);
        _stores.Add(store);
        return store;
    }

    private protected override ValueTask CloseStoreAsync(IOriginStore store)
    {
        var sqlite = (OriginStore)store;
        _stores.Remove(sqlite);
        sqlite.Dispose();
        return ValueTask.CompletedTask;
    }

    private protected override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private protected override async Task<IReadOnlyList<string>> QuerySqlAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!);
        }

        return rows;
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        // Unpooled: the temp directory is deleted after the test.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory.Path, "origin.db"), Pooling = false }.ToString());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        return connection;
    }
}
