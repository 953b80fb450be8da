namespace EdgeCommerce.Origin.Storage;

internal static class OriginStoreExtensions
{
    /// <summary>Every creator's current catalog and the head revision, read whole (small states and tests).</summary>
    public static async Task<StoreSnapshot> ReadSnapshotAsync(this IOriginStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var snapshot = await store.OpenSnapshotAsync(cancellationToken);
        var catalogs = new List<byte[]>(snapshot.CreatorCount);
        await foreach (var payload in snapshot.ReadCatalogsAsync(cancellationToken))
        {
            catalogs.Add(payload);
        }

        return new StoreSnapshot(snapshot.Revision, catalogs, snapshot.KeySet);
    }
}
