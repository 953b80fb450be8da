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
/// <param name="Placement">Stock placed before the open: the edge's share and the origin's reserve; null for a refill.</param>
/// <param name="ReserveFraction">The part of the allocation leased only to waiting buyers: once no more is free, a refill gets exactly its <paramref name="WantedUnits"/> (see <see cref="LeaseSizing"/>).</param>
internal sealed record LeaseAsk(string DropId, string SkuId, string EdgeId, int Units, DateTimeOffset Now, TimeSpan Duration, int MaxUnits, int MinUnits = 1,
    int WantedUnits = 0, LeasePlacement? Placement = null, double ReserveFraction = 0);

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
internal sealed record SaleRecord(string ReservationId, string SkuId, string Viewer, string IdempotencyKey, int Quantity, string LeaseId, DateTimeOffset ConfirmedAt)
{
    /// <summary>The unit price the sale was made at (its product's catalog price then); null for sales the store did not price (before drop schema 3, or a SKU gone from the catalog).</summary>
    public long? PriceMinor { get; init; }

    public string? Currency { get; init; }

    /// <summary>The SKU's unit cost in the catalog when the sale was made; null when none was given.</summary>
    public long? UnitCostMinor { get; init; }

    /// <summary>The edge confirmed it again (its first confirm got no answer): the outcome had to be reconciled.</summary>
    public bool Reconciled { get; init; }

    /// <summary>When an operator cancelled (refunded) it; null while it stands.</summary>
    public DateTimeOffset? CancelledAt { get; init; }
}

/// <summary>What an edge's live reservations hold in one of its leases.</summary>
/// <param name="NextRelease">When the earliest of those reservations expires (edge clock); null when none.</param>
internal sealed record LeaseHoldReport(string LeaseId, int Held, DateTimeOffset? NextRelease);

/// <summary>The kinds of exception the origin counts per drop (the edge adds <see cref="ConfirmFailed"/>); see docs/drop-report.md.</summary>
internal static class ExceptionKinds
{
    public const string ConfirmFailed = "confirm_failed";
    public const string Reconciled = "reconciled";
    public const string Cancelled = "cancelled";
    public const string LeaseExhausted = "lease_exhausted";
    public const string IdempotencyConflict = "idempotency_conflict";
    public const string ReservationConflict = "reservation_conflict";
}

/// <summary>One edge's funnel report (the <c>load</c> of an ack), for <see cref="IDropStore.RecordFunnelsAsync"/>.</summary>
internal sealed record EdgeFunnelReport(string EdgeId, string BootId, long Sequence, IReadOnlyList<EdgeCommerce.Contracts.Sync.DropFunnelCounts> Drops);

/// <summary>Every edge's funnel counts for a drop, summed, and their latency buckets merged.</summary>
internal sealed class EdgeFunnelTotals
{
    public long Queued { get; private set; }

    public long Admitted { get; private set; }

    public long Reserved { get; private set; }

    public long Released { get; private set; }

    public long Expired { get; private set; }

    public long ConfirmFailed { get; private set; }

    public long[] ReserveBuckets { get; } = new long[EdgeCommerce.Contracts.DropLatencyHistogram.BucketCount];

    public long[] ConfirmBuckets { get; } = new long[EdgeCommerce.Contracts.DropLatencyHistogram.BucketCount];

    public void Add(long queued, long admitted, long reserved, long released, long expired, long confirmFailed, long[] reserveBuckets, long[] confirmBuckets)
    {
        ArgumentNullException.ThrowIfNull(reserveBuckets);
        ArgumentNullException.ThrowIfNull(confirmBuckets);
        Queued += queued;
        Admitted += admitted;
        Reserved += reserved;
        Released += released;
        Expired += expired;
        ConfirmFailed += confirmFailed;
        for (var i = 0; i < Math.Min(reserveBuckets.Length, ReserveBuckets.Length); i++)
        {
            ReserveBuckets[i] += reserveBuckets[i];
        }

        for (var i = 0; i < Math.Min(confirmBuckets.Length, ConfirmBuckets.Length); i++)
        {
            ConfirmBuckets[i] += confirmBuckets[i];
        }
    }
}

/// <summary>A buyer's first purchase in one of the creator's drops (cancelled sales left out).</summary>
internal sealed record BuyerPurchase(string Viewer, string DropId, DateTimeOffset FirstAt);

/// <summary>A SKU's price and unit cost in the creator's catalog (the cost is null when none was given).</summary>
internal sealed record SkuPrice(long PriceMinor, string Currency, long? UnitCostMinor);

/// <summary>The raw facts of a drop report, read in one transaction; <c>DropReportBuilder</c> turns them into figures.</summary>
/// <param name="Rsvps">The viewers (subs) who RSVP'd.</param>
/// <param name="Catalog">The creator's current catalog prices and costs by SKU id (empty without a catalog).</param>
internal sealed record DropReportFacts(
    string CreatorId,
    DropState State,
    IReadOnlySet<string> Rsvps,
    IReadOnlyList<SaleRecord> Sales,
    IReadOnlyDictionary<string, long> Exceptions,
    EdgeFunnelTotals Funnel,
    IReadOnlyList<BuyerPurchase> Purchases,
    IReadOnlyDictionary<string, SkuPrice> Catalog);
