namespace EdgeCommerce.Origin.Storage;

/// <summary>
/// The origin's durable truth. Every accepted write gets the next global revision and one change
/// record, in the same transaction, so the change log and the current state never disagree.
/// </summary>
internal interface IOriginStore : IRecommendationStore
{
    /// <summary>Creates or migrates the schema. Called once at startup.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Identity of this store, created with it and never changed: every origin replica sharing the
    /// database reports the same id, and an edge holding another cluster's state gets a snapshot.
    /// Valid after <see cref="InitializeAsync"/>.
    /// </summary>
    string ClusterId { get; }

    /// <summary>The newest revision; 0 when nothing was ever written.</summary>
    Task<long> GetHeadRevisionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Replaces a creator's catalog. Writes nothing when the content hash equals the stored one.
    /// </summary>
    Task<CatalogWriteResult> PutCatalogAsync(CatalogWrite write, CancellationToken cancellationToken);

    Task<StoredCatalog?> GetCatalogAsync(string creatorId, CancellationToken cancellationToken);

    Task<IReadOnlyList<CreatorSummary>> ListCreatorsAsync(CancellationToken cancellationToken);

    /// <summary>Removes a creator everywhere, as a change like any other.</summary>
    Task<CatalogWriteResult> DeleteCreatorAsync(string creatorId, long? expectedRevision, CancellationToken cancellationToken);

    /// <summary>Change records with a revision above <paramref name="afterRevision"/>, oldest first.</summary>
    Task<IReadOnlyList<ChangeRecord>> ReadChangesAsync(long afterRevision, int maxCount, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a consistent read of every creator's current catalog at one revision, streamed
    /// creator by creator so a large catalog never has to fit in memory at once.
    /// </summary>
    Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken);

    /// <summary>Change records at or below this revision were compacted away; 0 when none.</summary>
    Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken);

    /// <summary>The newest revision committed at or before <paramref name="time"/>; 0 when none.</summary>
    Task<long> GetLastRevisionAtOrBeforeAsync(DateTimeOffset time, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes change records up to and including <paramref name="revision"/> (clamped to the
    /// head) and raises the compacted horizon. Returns how many records were deleted.
    /// </summary>
    Task<int> CompactAsync(long revision, CancellationToken cancellationToken);

    /// <summary>When <paramref name="revision"/> was committed, or null when its record is gone.</summary>
    Task<DateTimeOffset?> GetRevisionTimeAsync(long revision, CancellationToken cancellationToken);

    /// <summary>
    /// Creates or updates edges' registry entries in one transaction. Registry writes need no
    /// fsync of their own: losing the last second of them in a power cut only makes lag look older.
    /// </summary>
    Task RecordEdgesAsync(IReadOnlyCollection<EdgeRecord> edges, CancellationToken cancellationToken);

    /// <summary>Every edge that ever connected, ordered by id.</summary>
    Task<IReadOnlyList<EdgeRecord>> ListEdgesAsync(CancellationToken cancellationToken);

    /// <summary>Every signing key the origin holds (private material included), oldest first.</summary>
    Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the signing keys and, in the same transaction, the published public key set and a
    /// keys change record carrying it (a revision like any other). Returns that revision.
    /// </summary>
    Task<long> SaveSigningKeysAsync(IReadOnlyList<SigningKeyRecord> keys, byte[] publicKeySet, CancellationToken cancellationToken);
}

/// <summary>A consistent read of the current state; dispose it to end the read.</summary>
internal interface IStoreSnapshot : IAsyncDisposable
{
    /// <summary>The head revision the read sees.</summary>
    long Revision { get; }

    /// <summary>How many creators the read will yield.</summary>
    int CreatorCount { get; }

    /// <summary>The published public key set (protobuf <c>KeySet</c>) as of <see cref="Revision"/>; null when none.</summary>
    byte[]? KeySet { get; }

    /// <summary>Every drop's state (protobuf <c>DropState</c>) as of <see cref="Revision"/>, ordered by drop id.</summary>
    IReadOnlyList<byte[]> Drops { get; }

    /// <summary>Protobuf catalogs, one per creator, ordered by creator id.</summary>
    IAsyncEnumerable<byte[]> ReadCatalogsAsync(CancellationToken cancellationToken);
}
