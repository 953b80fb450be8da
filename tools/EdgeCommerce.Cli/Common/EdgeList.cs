namespace EdgeCommerce.Cli.Common;

/// <summary>The answer of <c>GET /admin/v1/edges</c>.</summary>
internal sealed record EdgeList(long HeadRevision, long CompactedRevision, IReadOnlyList<EdgeSummary> Edges);

internal sealed record EdgeSummary(
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
    bool Revoked = false);
