using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Dialects.Sqlite;
using EdgeCommerce.Tests.Common;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Origin.Tests.Infrastructure;

/// <summary>
/// A real <see cref="OriginStore"/> in a fresh temp directory, on a fake clock, for unit tests
/// of the types built on the store (the store's own contract tests live elsewhere).
/// </summary>
internal sealed class TestOriginStore : IDisposable
{
    public static readonly DateTimeOffset StartTime = new(2025, 6, 1, 20, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new("edgecommerce-origin-store");

    private TestOriginStore()
    {
        Store = new OriginStore(new SqliteDialect(Options.Create(new StorageOptions { DataDirectory = _directory.Path })), Signal, Time, NullLogger<OriginStore>.Instance);
    }

    public FakeTimeProvider Time { get; } = new(StartTime);

    public RevisionSignal Signal { get; } = new();

    public OriginStore Store { get; }

    public static async Task<TestOriginStore> CreateAsync(CancellationToken cancellationToken)
    {
        var store = new TestOriginStore();
        await store.Store.InitializeAsync(cancellationToken);
        return store;
    }

    /// <summary>A one-product catalog for <paramref name="creatorId"/> as the admin API would store it; returns its revision.</summary>
    public async Task<long> PutAsync(string creatorId, string title, CancellationToken cancellationToken)
    {
        var json = $$"""{"products":[{"id":"p1","title":"{{title}}"}]}""";
        var write = new CatalogWrite(creatorId, json, SHA256.HashData(Encoding.UTF8.GetBytes(json)), 1, null,
            revision => Catalog(creatorId, revision, title).ToByteArray());
        var result = await Store.PutCatalogAsync(write, cancellationToken);
        return result.Revision;
    }

    public static CreatorCatalog Catalog(string creatorId, long revision, string title) => new()
    {
        CreatorId = creatorId,
        Revision = revision,
        Products =
        {
            new Product
            {
                Id = "p1",
                Title = title,
                Description = "A product of " + creatorId,
                ImageUrl = "https://cdn.example.com/" + creatorId + "/p1.png",
                Price = new Money { AmountMinor = 1999, Currency = "EUR" },
                Skus = { new Sku { Id = "p1-m", Label = "M" } },
            },
        },
    };

    public void Dispose()
    {
        Store.Dispose();
        _directory.Dispose();
    }
}
