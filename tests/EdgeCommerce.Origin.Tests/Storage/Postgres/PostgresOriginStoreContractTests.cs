using System.Globalization;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Dialects.Postgres;
using EdgeCommerce.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EdgeCommerce.Origin.Tests.Storage.Postgres;

/// <summary>
/// The store contract against the PostgreSQL store on a real server, a fresh database per test.
/// Every store instance has a connection pool of its own, as separate origin processes would.
/// </summary>
public sealed class PostgresOriginStoreContractTests(PostgresServer server) : OriginStoreContractTests
{
    private readonly Dictionary<IOriginStore, NpgsqlDataSource> _dataSources = [];
    private PostgresTestDatabase? _database;

    public override async ValueTask InitializeAsync() => _database = await PostgresTestDatabase.CreateAsync(server, "contract");

    public override async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private protected override IOriginStore CreateStore(RevisionSignal signal)
    {
        var dataSource = _database!.NewDataSource();
        var store = new OriginStore(new PostgresDialect(dataSource), signal, Time, NullLogger<OriginStore>.Instance);
        _dataSources[store] = dataSource;
        return store;
    }

    private protected override async ValueTask CloseStoreAsync(IOriginStore store)
    {
        if (_dataSources.Remove(store, out var dataSource))
        {
            await dataSource.DisposeAsync();
        }
    }

    private protected override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = await _database!.NewDataSource().OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private protected override async Task<IReadOnlyList<string>> QuerySqlAsync(string sql)
    {
        await using var connection = await _database!.NewDataSource().OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!);
        }

        return rows;
    }
}
