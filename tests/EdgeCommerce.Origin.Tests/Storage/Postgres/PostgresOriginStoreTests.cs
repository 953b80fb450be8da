using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Dialects.Postgres;
using EdgeCommerce.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EdgeCommerce.Origin.Tests.Storage.Postgres;

/// <summary>What only the PostgreSQL store promises: migrations shared by several processes and the commit-time notification.</summary>
public sealed class PostgresOriginStoreTests(PostgresServer server) : IAsyncLifetime
{
    private PostgresTestDatabase? _database;

    private PostgresTestDatabase Database => _database!;

    public async ValueTask InitializeAsync() => _database = await PostgresTestDatabase.CreateAsync(server, "store");

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task InitializeAsync_SeveralProcessesAtOnceOnAnEmptyDatabase_MigrateOnceAndShareOneClusterId()
    {
        // Arrange: four origin processes starting together against a database nobody migrated yet.
        var stores = Enumerable.Range(0, 4).Select(_ => CreateStore()).ToList();

        // Act
        await Task.WhenAll(stores.Select(static store => Task.Run(() => store.InitializeAsync(TestContext.Current.CancellationToken))));

        // Assert
        Assert.Single(stores.Select(static s => s.ClusterId).Distinct());
        Assert.Matches("^[0-9a-f]{32}$", stores[0].ClusterId);
        await using var connection = await Database.NewDataSource().OpenConnectionAsync(TestContext.Current.CancellationToken);
        // Each migration step recorded exactly once, however many processes raced.
        Assert.Equal(Enumerable.Range(1, PostgresSchema.Steps[^1].Version), await ReadIntsAsync(connection, "SELECT version FROM schema_version ORDER BY version;"));
        Assert.Equal([1], await ReadIntsAsync(connection, "SELECT COUNT(*)::int FROM identity;"));
        Assert.Equal([0], await ReadIntsAsync(connection, "SELECT value::int FROM meta WHERE key = 'head_revision';"));
    }

    [Fact]
    public async Task InitializeAsync_SchemaNewerThanThisBuild_FailsFast()
    {
        // Arrange
        await CreateStore().InitializeAsync(TestContext.Current.CancellationToken);
        await using (var connection = await Database.NewDataSource().OpenConnectionAsync(TestContext.Current.CancellationToken))
        await using (var command = new NpgsqlCommand("INSERT INTO schema_version (version) VALUES (99);", connection))
        {
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => CreateStore().InitializeAsync(TestContext.Current.CancellationToken));

        // Assert
        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutCatalogAsync_Commit_NotifiesTheRevisionChannelWithTheRevision()
    {
        // Arrange
        var store = CreateStore();
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        await using var listener = await Database.NewDataSource().OpenConnectionAsync(TestContext.Current.CancellationToken);
        var payloads = new List<string>();
        listener.Notification += (_, e) => payloads.Add(e.Channel + ":" + e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {PostgresDialect.RevisionChannel};", listener))
        {
            await listen.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        // Act: an unchanged write and a failed precondition commit nothing and notify nothing.
        await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);
        await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);
        await store.PutCatalogAsync(Write("a", "a2", expectedRevision: 7), TestContext.Current.CancellationToken);
        await store.DeleteCreatorAsync("a", null, TestContext.Current.CancellationToken);
        while (payloads.Count < 2)
        {
            await listener.WaitAsync(TestContext.Current.CancellationToken);
        }

        // Assert: notifications arrive in commit order, so the delete's is the second.
        Assert.Equal([$"{PostgresDialect.RevisionChannel}:1", $"{PostgresDialect.RevisionChannel}:2"], payloads);
    }

    private OriginStore CreateStore()
        => new(new PostgresDialect(Database.NewDataSource()), new RevisionSignal(), TimeProvider.System, NullLogger<OriginStore>.Instance);

    private static CatalogWrite Write(string creatorId, string document, long? expectedRevision = null)
        => new(creatorId, document, SHA256.HashData(Encoding.UTF8.GetBytes(document)), 1, expectedRevision,
            revision => Encoding.UTF8.GetBytes($"{creatorId}@{revision}:{document}"));

    private static async Task<List<int>> ReadIntsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var values = new List<int>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            values.Add(reader.GetInt32(0));
        }

        return values;
    }
}
