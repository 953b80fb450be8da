namespace EdgeCommerce.Origin.Storage;

/// <summary>
/// The origin's durable truth. Every accepted write gets the next global revision and one change
/// record, in the same transaction, so the change log and the current state never disagree.
/// </summary>
internal interface IOriginStore
{
    /// <summary>Creates or migrates the schema. Called once at startup.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

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

    /// <summary>Every creator's current catalog and the head revision, read in one consistent transaction.</summary>
    Task<StoreSnapshot> ReadSnapshotAsync(CancellationToken cancellationToken);
}
