namespace EdgeCommerce.Origin.Storage;

/// <summary>What a change record says happened to a creator.</summary>
internal enum ChangeKind
{
    CatalogUpserted = 1,
    CreatorDeleted = 2,
    /// <summary>The published signing keys changed; the payload is the whole protobuf <c>KeySet</c>.</summary>
    KeysChanged = 3,
    /// <summary>A drop changed (schedule or stock); the payload is its whole protobuf <c>DropState</c>.</summary>
    DropChanged = 30,

    /// <summary>A recommender model became active; the payload is a protobuf <c>ModelActivation</c>. (20-29: recommendations.)</summary>
    ModelActivated = 20,
}

/// <summary>A catalog to store. <see cref="BuildPayload"/> receives the revision the write is given.</summary>
/// <param name="CreatorId">The tenant.</param>
/// <param name="DocumentJson">Canonical JSON of the validated catalog, returned by GET.</param>
/// <param name="ContentHash">SHA-256 of <paramref name="DocumentJson"/>; equal hashes mean an identical push.</param>
/// <param name="ProductCount">Number of products, for listings.</param>
/// <param name="ExpectedRevision">From If-Match: the write applies only while this is the current revision.</param>
/// <param name="BuildPayload">Builds the sync payload (the protobuf catalog) for the assigned revision.</param>
/// <param name="Now">The time of the request: drops that ended by then no longer hold their SKUs (the default counts every drop not cancelled).</param>
/// <param name="Force">Withdraw SKUs that scheduled or running drops use instead of refusing the push.</param>
internal sealed record CatalogWrite(
    string CreatorId,
    string DocumentJson,
    byte[] ContentHash,
    int ProductCount,
    long? ExpectedRevision,
    Func<long, byte[]> BuildPayload,
    DateTimeOffset Now = default,
    bool Force = false);

internal enum CatalogWriteOutcome
{
    Created,
    Updated,
    Unchanged,
    Deleted,
    NotFound,
    PreconditionFailed,
    /// <summary>The push removes SKUs of scheduled or running drops (see <see cref="CatalogWriteResult.SkusInUse"/>) and was not forced.</summary>
    SkusInUse,
}

/// <param name="Revision">The creator's catalog revision after the call (0 when it does not exist).</param>
/// <param name="SkusInUse">With <see cref="CatalogWriteOutcome.SkusInUse"/>: each (drop, SKU) the push would withdraw, by drop then SKU.</param>
internal readonly record struct CatalogWriteResult(CatalogWriteOutcome Outcome, long Revision, IReadOnlyList<Drops.DropSkuUse>? SkusInUse = null);

internal sealed record StoredCatalog(string CreatorId, long Revision, string DocumentJson);

internal sealed record CreatorSummary(string Id, long Revision, int Products);

/// <param name="Payload">For <see cref="ChangeKind.CatalogUpserted"/>, the protobuf catalog at this revision.</param>
internal sealed record ChangeRecord(long Revision, string CreatorId, ChangeKind Kind, byte[] Payload);

/// <param name="Catalogs">Protobuf catalogs, one per creator, ordered by creator id.</param>
/// <param name="KeySet">The published public key set, or null.</param>
internal sealed record StoreSnapshot(long Revision, IReadOnlyList<byte[]> Catalogs, byte[]? KeySet = null);

/// <summary>What the origin knows about one edge, shared by every origin replica through the store.</summary>
/// <param name="Id">The edge's id.</param>
/// <param name="Region">The region it serves.</param>
/// <param name="PublicUrl">Where browsers reach it.</param>
/// <param name="ProtocolVersion">The sync protocol version it speaks.</param>
/// <param name="AppliedRevision">The last revision it acknowledged (or was sent, for version 1 edges).</param>
/// <param name="Connected">Whether a stream is open on some origin replica.</param>
/// <param name="LastContact">When an origin last heard from or wrote to it; a crashed replica's edges go stale by this.</param>
/// <param name="LastRejection">The reason of the last batch it refused, if any.</param>
internal sealed record EdgeRecord(
    string Id,
    string Region,
    string PublicUrl,
    int ProtocolVersion,
    long AppliedRevision,
    bool Connected,
    DateTimeOffset LastContact,
    string? LastRejection);

/// <summary>One token signing key. The private key never leaves the origin's store.</summary>
/// <param name="KeyId">The <c>kid</c> tokens name.</param>
/// <param name="PrivateKey">PKCS#8 of the P-256 private key; in the store, sealed under the key-encryption key (see <c>Keys/KeyEncryptionKey</c>).</param>
/// <param name="CreatedAt">When the key was generated and published.</param>
/// <param name="PublishedRevision">The revision whose key set first held it (0 before it was saved).</param>
/// <param name="SigningFrom">The earliest time the origin may sign with it (edges have had time to receive it).</param>
/// <param name="RetireAt">When it leaves the published set; null while it is current.</param>
/// <param name="Revoked">Removed at once: tokens it signed are refused.</param>
internal sealed record SigningKeyRecord(
    string KeyId,
    byte[] PrivateKey,
    DateTimeOffset CreatedAt,
    long PublishedRevision,
    DateTimeOffset SigningFrom,
    DateTimeOffset? RetireAt,
    bool Revoked);
