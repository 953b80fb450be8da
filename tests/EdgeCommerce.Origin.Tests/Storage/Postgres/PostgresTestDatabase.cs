using EdgeCommerce.Tests.Common;
using Npgsql;

namespace EdgeCommerce.Origin.Tests.Storage.Postgres;

/// <summary>A fresh database on the test server for one test, and the data sources (one per "process") opened on it.</summary>
internal sealed class PostgresTestDatabase : IAsyncDisposable
{
    private readonly PostgresServer _server;
    private readonly List<NpgsqlDataSource> _dataSources = [];

    private PostgresTestDatabase(PostgresServer server, string connectionString)
    {
        _server = server;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<PostgresTestDatabase> CreateAsync(PostgresServer server, string prefix)
        => new(server, await server.CreateDatabaseAsync(prefix, TestContext.Current.CancellationToken));

    /// <summary>A connection pool of its own, as a separate origin process would have.</summary>
    public NpgsqlDataSource NewDataSource()
    {
        var dataSource = NpgsqlDataSource.Create(ConnectionString);
        _dataSources.Add(dataSource);
        return dataSource;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        await _server.DropDatabaseAsync(ConnectionString, CancellationToken.None);
    }
}
