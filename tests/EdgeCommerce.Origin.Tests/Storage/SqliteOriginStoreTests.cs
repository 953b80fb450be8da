using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Dialects.Sqlite;
using EdgeCommerce.Tests.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>
/// What only the SQLite store promises (the shared contract is <see cref="SqliteOriginStoreContractTests"/>):
/// its file, its durability PRAGMAs and its schema version, against a real file in a fresh temp directory per test.
/// </summary>
public sealed class SqliteOriginStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new("edgecommerce-store");
    private readonly List<OriginStore> _stores = [];

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task PutCatalogAsync_Acknowledged_IsInTheFileForAnyOtherConnection()
    {
        // Arrange
        var store = await OpenStoreAsync();

        // Act
        var result = await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);

        // Assert: a connection of its own (no pool, no shared cache) reads the commit from the file.
        Assert.Equal(Path.Combine(_directory.Path, "origin.db"), DatabasePath(store));
        await using var separate = new SqliteConnection(ReadWriteConnectionString(DatabasePath(store)));
        await separate.OpenAsync(TestContext.Current.CancellationToken);
        Assert.Equal(result.Revision, (long)(await ScalarAsync(separate, "SELECT value FROM meta WHERE key = 'head_revision';"))!);
        Assert.Equal("a1", await ScalarAsync(separate, "SELECT document FROM catalogs WHERE creator_id = 'a';"));
        Assert.Equal(1L, await ScalarAsync(separate, "SELECT COUNT(*) FROM changes;"));
    }

    [Fact]
    public async Task InitializeAsync_SchemaNewerThanThisBuild_FailsFast()
    {
        // Arrange
        var first = await OpenStoreAsync();
        await using (var connection = new SqliteConnection(ReadWriteConnectionString(DatabasePath(first))))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var second = CreateStore();

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.InitializeAsync(TestContext.Current.CancellationToken));

        // Assert
        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeAsync_NewFile_UsesWalJournalAndFullSynchronousCommits()
    {
        // Arrange
        var store = await OpenStoreAsync();
        await store.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);

        // Act
        // journal_mode=WAL is stored in the file: any other connection sees it.
        string? journalMode;
        await using (var separate = new SqliteConnection(ReadWriteConnectionString(DatabasePath(store))))
        {
            await separate.OpenAsync(TestContext.Current.CancellationToken);
            journalMode = (string?)await ScalarAsync(separate, "PRAGMA journal_mode;");
        }

        // synchronous is per connection: a separate connection would only show SQLite's default and
        // prove nothing. Ask one the store itself opens.
        long synchronous;
        await using (var own = (SqliteConnection)await store.Dialect.OpenConnectionAsync(TestContext.Current.CancellationToken))
        {
            synchronous = (long)(await ScalarAsync(own, "PRAGMA synchronous;"))!;
        }

        // Assert
        Assert.Equal("wal", journalMode);
        Assert.Equal(2, synchronous); // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
    }

    /// <summary>A write whose payload names the revision it was given: "<c>creator@revision:document</c>".</summary>
    private static CatalogWrite Write(string creatorId, string document)
        => new(creatorId, document, SHA256.HashData(Encoding.UTF8.GetBytes(document)), 1, null,
            revision => Encoding.UTF8.GetBytes($"{creatorId}@{revision}:{document}"));

    private static string DatabasePath(OriginStore store) => ((SqliteDialect)store.Dialect).DatabasePath;

    private OriginStore CreateStore()
    {
        var options = new StorageOptions { DataDirectory = _directory.Path };
        var store = new OriginStore(new SqliteDialect(Options.Create(options)), new RevisionSignal(),
            new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 20, 0, 0, TimeSpan.Zero)), NullLogger<OriginStore>.Instance);
        _stores.Add(store);
        return store;
    }

    private async Task<OriginStore> OpenStoreAsync()
    {
        var store = CreateStore();
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        return store;
    }

    private static string ReadWriteConnectionString(string path)
        => new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
