using EdgeCommerce.Origin.Storage;

namespace EdgeCommerce.Origin.Tests.Infrastructure;

/// <summary>
/// Only what <c>EdgeDirectory</c> and <c>ChangeLogCompactor</c> read: a head, commit times and the
/// registry. Any other call fails the test. <see cref="Failure"/> makes every call throw.
/// </summary>
internal sealed partial class FakeOriginStore : IOriginStore
{
    public long Head { get; set; }

    public Dictionary<long, DateTimeOffset> RevisionTimes { get; } = [];

    public List<EdgeRecord> Edges { get; } = [];

    public Exception? Failure { get; set; }

    public string ClusterId => "fake-cluster";

    public Task<long> GetHeadRevisionAsync(CancellationToken cancellationToken) => Answer(Head);

    public Task<DateTimeOffset?> GetRevisionTimeAsync(long revision, CancellationToken cancellationToken)
        => Answer(RevisionTimes.TryGetValue(revision, out var at) ? at : (DateTimeOffset?)null);

    public Task<IReadOnlyList<EdgeRecord>> ListEdgesAsync(CancellationToken cancellationToken)
        => Answer<IReadOnlyList<EdgeRecord>>([.. Edges.OrderBy(static e => e.Id, StringComparer.Ordinal)]);

    public Task<long> GetLastRevisionAtOrBeforeAsync(DateTimeOffset time, CancellationToken cancellationToken)
        => Answer(RevisionTimes.Where(r => r.Value <= time).Select(static r => r.Key).DefaultIfEmpty(0).Max());

    public Task InitializeAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<long> SaveSigningKeysAsync(IReadOnlyList<SigningKeyRecord> keys, byte[] publicKeySet, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<CatalogWriteResult> PutCatalogAsync(CatalogWrite write, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<StoredCatalog?> GetCatalogAsync(string creatorId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<CreatorSummary>> ListCreatorsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<CatalogWriteResult> DeleteCreatorAsync(string creatorId, long? expectedRevision, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<ChangeRecord>> ReadChangesAsync(long afterRevision, int maxCount, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken) => Answer(CompactedRevision);

    /// <summary>What <see cref="GetCompactedRevisionAsync"/> answers.</summary>
    public long CompactedRevision { get; set; }

    public Task<int> CompactAsync(long revision, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task RecordEdgesAsync(IReadOnlyCollection<EdgeRecord> edges, CancellationToken cancellationToken) => throw new NotSupportedException();

    private Task<T> Answer<T>(T value) => Failure is { } failure ? Task.FromException<T>(failure) : Task.FromResult(value);
}
