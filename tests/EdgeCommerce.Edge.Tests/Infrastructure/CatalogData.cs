using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Tests.Infrastructure;

/// <summary>Builds sync messages the way the origin sends them, for tests.</summary>
internal static class CatalogData
{
    /// <summary>A creator's catalog at <paramref name="revision"/>: one product per id, each with two SKUs.</summary>
    public static CreatorCatalog CatalogOf(string creatorId, long revision, params string[] productIds)
    {
        var catalog = new CreatorCatalog { CreatorId = creatorId, Revision = revision };
        foreach (var id in productIds)
        {
            catalog.Products.Add(new Product
            {
                Id = id,
                Title = "Title of " + id,
                Description = "Description of " + id,
                ImageUrl = "/images/demo/" + id + ".svg",
                Price = new Money { AmountMinor = 1000 + id.Length, Currency = "EUR" },
                Attributes = { ["color"] = "black" },
                Skus =
                {
                    new Sku { Id = id + "-s", Label = "S" },
                    new Sku { Id = id + "-m", Label = "M" },
                },
            });
        }

        return catalog;
    }

    public static Snapshot Snapshot(long revision, params CreatorCatalog[] catalogs)
    {
        var snapshot = new Snapshot { Revision = revision };
        snapshot.Creators.Add(catalogs);
        return snapshot;
    }

    public static ChangeBatch Batch(long previousRevision, long revision, params Change[] changes)
    {
        var batch = new ChangeBatch { PreviousRevision = previousRevision, Revision = revision };
        batch.Changes.Add(changes);
        return batch;
    }

    /// <summary>An upsert at the catalog's own revision, as the origin emits it.</summary>
    public static Change Upsert(CreatorCatalog catalog) => new() { Revision = catalog.Revision, CatalogUpserted = catalog };

    public static Change Delete(long revision, string creatorId)
        => new() { Revision = revision, CreatorDeleted = new CreatorDeleted { CreatorId = creatorId } };
}
