namespace EdgeCommerce.Origin.Drops;

/// <summary>The admin contract for <c>PUT /admin/v1/creators/{creatorId}/drops/{dropId}</c> (for OpenAPI; the body is read by <see cref="DropDocumentReader"/>).</summary>
internal sealed record DropDocument(
    string Title,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    EarlyAccessDocument? EarlyAccess,
    int PerViewerLimit,
    IReadOnlyList<AllocationDocument> Allocations);

/// <param name="Minutes">How long before <c>startsAt</c> the audience may reserve.</param>
/// <param name="Audience"><c>rsvp</c> or <c>tier:NAME</c>.</param>
internal sealed record EarlyAccessDocument(int Minutes, string Audience);

internal sealed record AllocationDocument(string SkuId, int Units);
