using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Shop;
using EdgeCommerce.Edge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Edge.Tests.Shop;

/// <summary>
/// One in-memory edge for the shop tests: creator <c>shop-a</c> (site <c>https://creator.example</c>)
/// with a hostile catalog and three drops (one open, one coming, one closed), creator
/// <c>shop-b</c> (site <c>https://other.example</c>) with a plain one.
/// </summary>
public sealed class ShopFixture : IAsyncLifetime
{
    public const string CreatorA = "shop-a";
    public const string CreatorB = "shop-b";
    public const string SiteA = "https://creator.example";
    public const string SiteB = "https://other.example";

    /// <summary>Every kind of string that must stay text in HTML: tags, quotes, ampersands, an event handler, a script URL.</summary>
    public const string HostileTitle = "<script>alert(\"pwned\")</script> Tom & Jerry's \"best\"";
    public const string HostileLabel = "<img src=x onerror=alert(1)>";
    public const string HostileDescription = "</li></ul><iframe src=//evil.example>&amp;";

    public EdgeApiFixture Edge { get; } = new(keepSyncWorker: false, static services => services.Configure<ShopOptions>(static options =>
    {
        options.AllowedOrigins[CreatorA] = [SiteA, "http://127.0.0.1:8080"];
        options.AllowedOrigins[CreatorB] = [SiteB];
    }));

    public async ValueTask InitializeAsync()
    {
        await Edge.InitializeAsync();
        var now = Edge.Time.GetUtcNow();
        var hostile = new CreatorCatalog { CreatorId = CreatorA, Revision = 1 };
        hostile.Products.Add(new Product
        {
            Id = "evil",
            Title = HostileTitle,
            Description = HostileDescription,
            ImageUrl = "javascript:alert(1)",
            Price = new Money { AmountMinor = 2500, Currency = "EUR" },
            Skus = { new Sku { Id = "evil-m", Label = HostileLabel } },
        });
        hostile.Products.Add(new Product
        {
            Id = "cap",
            Title = "Cap",
            ImageUrl = "/images/demo/cap.svg",
            Price = new Money { AmountMinor = 1500, Currency = "JPY" },
            Skus = { new Sku { Id = "cap-one", Label = "One size" } },
        });
        var snapshot = CatalogData.Snapshot(1, hostile, CatalogData.CatalogOf(CreatorB, 1, "tee"));
        snapshot.Drops.Add(Drop("a-next", CreatorA, now.AddHours(2), now.AddHours(3)));
        snapshot.Drops.Add(Drop("a-now", CreatorA, now.AddMinutes(-5), now.AddHours(1)));
        snapshot.Drops.Add(Drop("a-past", CreatorA, now.AddHours(-3), now.AddHours(-2)));
        snapshot.Drops.Add(Drop("b-now", CreatorB, now.AddMinutes(-1), now.AddHours(1)));
        await Edge.Updater.ApplySnapshotAsync(snapshot, TestContext.Current.CancellationToken);
        Edge.SyncState.OnMessage(1);
    }

    public async ValueTask DisposeAsync() => await Edge.DisposeAsync();

    private static DropState Drop(string dropId, string creatorId, DateTimeOffset startsAt, DateTimeOffset endsAt) => new()
    {
        DropId = dropId,
        CreatorId = creatorId,
        Revision = 1,
        Title = "Drop " + dropId,
        StartsAtUnixMs = startsAt.ToUnixTimeMilliseconds(),
        EndsAtUnixMs = endsAt.ToUnixTimeMilliseconds(),
        PerViewerLimit = 2,
        Skus = { new DropSku { SkuId = "evil-m", Allocation = 3 } },
    };
}
