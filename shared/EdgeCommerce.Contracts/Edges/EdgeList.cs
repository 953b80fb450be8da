namespace EdgeCommerce.Contracts.Edges;

/// <summary>The answer of <c>GET /admin/v1/edges</c>: the origin writes it, the CLI reads it.</summary>
/// <param name="CompactedRevision">Change records at or below this revision are gone; an edge behind it gets a snapshot.</param>
public sealed record EdgeList(long HeadRevision, long CompactedRevision, IReadOnlyList<EdgeView> Edges);

/// <summary>One edge as the origin's registry sees it.</summary>
/// <param name="LagSeconds">Age of the oldest change the edge lacks; null when that change was compacted away.</param>
/// <param name="Healthy">Connected, not revoked and within the origin's <c>Routing:MaxLag</c>: offered to browsers.</param>
/// <param name="Revoked">An operator revoked this edge (<c>edges revoke</c>): refused until allowed again.</param>
/// <param name="Via">The relay the edge streams through, as that relay reported it to this origin replica; null for an edge with its own stream.</param>
public sealed record EdgeView(
    string Id,
    string Region,
    string Url,
    int ProtocolVersion,
    long AppliedRevision,
    long LagRevisions,
    double? LagSeconds,
    bool Connected,
    bool Healthy,
    DateTimeOffset LastContact,
    string? LastRejection,
    bool Revoked = false,
    string? Via = null);
