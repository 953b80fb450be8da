namespace EdgeCommerce.Origin.Storage;

/// <summary>
/// The edges an operator revoked (<c>edges revoke ID</c>), kept in the origin store so every origin
/// replica sharing it refuses them. Not part of the change log: edges never receive it.
/// </summary>
internal interface IEdgeRevocationStore
{
    /// <summary>Marks <paramref name="edgeId"/> revoked (idempotent).</summary>
    Task RevokeEdgeAsync(string edgeId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Lifts a revocation. Returns false when the edge was not revoked.</summary>
    Task<bool> AllowEdgeAsync(string edgeId, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="edgeId"/> is revoked now (one indexed read).</summary>
    Task<bool> IsEdgeRevokedAsync(string edgeId, CancellationToken cancellationToken);

    /// <summary>Every revoked edge id.</summary>
    Task<IReadOnlyList<string>> ListRevokedEdgesAsync(CancellationToken cancellationToken);
}
