using EdgeCommerce.Origin.Storage;

namespace EdgeCommerce.Origin.Tests.Infrastructure;

/// <summary>
/// Wraps a store and compacts it to <paramref name="horizon"/> right before the first
/// <see cref="ReadChangesAsync"/>: compaction overtaking a stream between its checks and its read,
/// deterministically.
/// </summary>
internal sealed partial class CompactingStore(IOriginStore inner, long horizon) : IOriginStore
{
    private int _compacted;

    public string ClusterId => inner.ClusterId;

    public async Task<IReadOnlyList<ChangeRecord>> ReadChangesAsync(long afterRevision, int maxCount, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _compacted, 1) == 0)
        {
            await inner.CompactAsync(horizon, cancellationToken);
        }

        return await inner.ReadChangesAsync(afterRevision, maxCount, cancellationToken);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public Task<long> GetHeadRevisionAsync(CancellationToken cancellationToken) => inner.GetHeadRevisionAsync(cancellationToken);

    public Task<CatalogWriteResult> PutCatalogAsync(CatalogWrite write, CancellationToken cancellationToken) => inner.PutCatalogAsync(write, cancellationToken);

    public Task<StoredCatalog?> GetCatalogAsync(string creatorId, CancellationToken cancellationToken) => inner.GetCatalogAsync(creatorId, cancellationToken);

    public Task<IReadOnlyList<CreatorSummary>> ListCreatorsAsync(CancellationToken cancellationToken) => inner.ListCreatorsAsync(cancellationToken);

    public Task<CatalogWriteResult> DeleteCreatorAsync(string creatorId, long? expectedRevision, CancellationToken cancellationToken)
        => inner.DeleteCreatorAsync(creatorId, expectedRevision, cancellationToken);

    public Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) => inner.OpenSnapshotAsync(cancellationToken);

    public Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken) => inner.GetCompactedRevisionAsync(cancellationToken);

    public Task<long> GetLastRevisionAtOrBeforeAsync(DateTimeOffset time, CancellationToken cancellationToken) => inner.GetLastRevisionAtOrBeforeAsync(time, cancellationToken);

    public Task<int> CompactAsync(long revision, CancellationToken cancellationToken) => inner.CompactAsync(revision, cancellationToken);

    public Task<DateTimeOffset?> GetRevisionTimeAsync(long revision, CancellationToken cancellationToken) => inner.GetRevisionTimeAsync(revision, cancellationToken);

    public Task RecordEdgesAsync(IReadOnlyCollection<EdgeRecord> edges, CancellationToken cancellationToken) => inner.RecordEdgesAsync(edges, cancellationToken);

    public Task<IReadOnlyList<EdgeRecord>> ListEdgesAsync(CancellationToken cancellationToken) => inner.ListEdgesAsync(cancellationToken);

    public Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(CancellationToken cancellationToken) => inner.ListSigningKeysAsync(cancellationToken);

    public Task<long> SaveSigningKeysAsync(IReadOnlyList<SigningKeyRecord> keys, byte[] publicKeySet, CancellationToken cancellationToken)
        => inner.SaveSigningKeysAsync(keys, publicKeySet, cancellationToken);
}
