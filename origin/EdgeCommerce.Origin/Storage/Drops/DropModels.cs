using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Origin.Storage.Drops;

/// <summary>A validated drop definition to store (its SKUs carry allocations only).</summary>
/// <param name="DocumentJson">Canonical JSON, returned by GET.</param>
/// <param name="ContentHash">SHA-256 of <paramref name="DocumentJson"/>: an identical PUT writes nothing.</param>
/// <param name="Definition">The drop as edges receive it, without revision and stock.</param>
/// <param name="Now">The time of the request (edits are refused once early access or the drop began).</param>
internal sealed record DropWrite(string CreatorId, string DropId, string DocumentJson, byte[] ContentHash, DropState Definition, DateTimeOffset Now);

internal enum DropWriteOutcome
{
    Created,
    Updated,
    Unchanged,
    Cancelled,
    NotFound,
    /// <summary>Drop ids are global (edges route by them): another creator holds this one.</summary>
    IdTaken,
    /// <summary>The drop opened (early access included): only cancelling is allowed now.</summary>
    AlreadyStarted,
    /// <summary>A cancelled drop cannot be edited.</summary>
    IsCancelled,
    /// <summary>Some SKU is not in the creator's current catalog (or the creator has none); see <see cref="DropWriteResult.UnknownSkus"/>.</summary>
    UnknownSkus,
}

/// <param name="UnknownSkus">With <see cref="DropWriteOutcome.UnknownSkus"/>: the SKU ids the creator's catalog lacks, in the order of the drop's allocations.</param>
internal readonly record struct DropWriteResult(DropWriteOutcome Outcome, long Revision, IReadOnlyList<string>? UnknownSkus = null);

/// <summary>A SKU a scheduled or running drop allocates (a catalog push that removes it is refused unless forced).</summary>
internal sealed record DropSkuUse(string DropId, string SkuId);

/// <param name="State">The drop as edges see it, stock computed at read time.</param>
internal sealed record StoredDrop(string CreatorId, string DropId, long Revision, string DocumentJson, DropState State);

/// <summary>An edge asking for units.</summary>
/// <param name="Duration">How long the lease lasts (origin clock).</param>
/// <param name="MaxUnits">The most one lease may hold.</param>
/// <param name="MinUnits">The fewest units worth granting (one reservation's quantity).</param>
/// <param name="WantedUnits">Units buyers on the edge wait for now: granted in full while free, above the shrinking size (they sell at once).</param>
/// <param name="Placement">Stock placed before the open (issue 20): the edge's share and the origin's reserve; null for a refill.</param>
internal sealed record LeaseAsk(string DropId, string SkuId, string EdgeId, int Units, DateTimeOffset Now, TimeSpan Duration, int MaxUnits, int MinUnits = 1,
    int WantedUnits = 0, LeasePlacement? Placement = null);

/// <summary>Terms of a lease placed before a drop opens.</summary>
/// <param name="Lead">How long before early access (or the start, without early access) placing may begin.</param>
/// <param name="Share">This edge's part of the placeable units, in (0, 1].</param>
/// <param name="ReserveFraction">The part of the allocation that stays at the origin for refills, in [0, 1).</param>
internal sealed record LeasePlacement(TimeSpan Lead, double Share, double ReserveFraction);

internal enum LeaseRefusal
{
    None,
    NoSuchDrop,
    NoSuchSku,
    /// <summary>Not selling now: scheduled, closed or cancelled.</summary>
    NotSelling,
    /// <summary>Every unit is sold, or too few are unsold for the quantity asked: nothing can come back.</summary>
    SoldOut,
    /// <summary>No unit is free now, but leased units may come back (see <see cref="LeaseGrant.NextExpiry"/>).</summary>
    NoneFree,
}

internal sealed record LeaseGrant(LeaseRefusal Refusal, string LeaseId, int Units, DateTimeOffset ExpiresAt, DropSku? Stock, DateTimeOffset? NextExpiry);

/// <param name="EdgeId">The edge asking (its token's subject): the lease must be its own. Null only for callers inside the origin.</param>
internal sealed record SaleRequest(string LeaseId, string ReservationId, string DropId, string SkuId, int Quantity, string Viewer, string IdempotencyKey, DateTimeOffset Now, string? EdgeId = null);

internal enum SaleOutcome
{
    Confirmed,
    /// <summary>This reservation was confirmed before: nothing new sold.</summary>
    AlreadyConfirmed,
    /// <summary>Another reservation with the same viewer and idempotency key was confirmed: nothing new sold.</summary>
    Duplicate,
    NoSuchLease,
    LeaseExpired,
    /// <summary>The lease has no unsold unit left for this sale (the edge over-reserved: a bug).</summary>
    LeaseExhausted,
    ViewerLimit,
    DropCancelled,
    /// <summary>The drop's <c>endsAt</c> passed: nothing sells after it, whatever leases remain.</summary>
    DropEnded,
    /// <summary>The viewer's idempotency key was used for a different SKU or quantity: not the same purchase.</summary>
    IdempotencyConflict,
    /// <summary>This reservation id was confirmed under another lease.</summary>
    ReservationConflict,
}

internal sealed record SaleResult(SaleOutcome Outcome, string ReservationId, DropSku? Stock);

/// <summary>Thrown inside a write transaction when <c>sold + leased ≤ allocation</c> would break: the write rolls back.</summary>
internal sealed class DropInvariantException(string message) : InvalidOperationException(message);

/// <summary>One confirmed sale.</summary>
internal sealed record SaleRecord(string ReservationId, string SkuId, string Viewer, string IdempotencyKey, int Quantity, string LeaseId, DateTimeOffset ConfirmedAt);

/// <summary>What an edge's live reservations hold in one of its leases (issue 15).</summary>
/// <param name="NextRelease">When the earliest of those reservations expires (edge clock); null when none.</param>
internal sealed record LeaseHoldReport(string LeaseId, int Held, DateTimeOffset? NextRelease);
