namespace EdgeCommerce.Origin.Storage.Drops;

/// <summary>
/// Drops, their stock, edge leases, sales and RSVPs, kept by the same store as the catalogs: every
/// change to a drop (an admin edit, a lease, a sale) takes the next global revision and appends a
/// <see cref="ChangeKind.DropChanged"/> record in the same transaction, so drops reach edges on the
/// sync stream in order with everything else. The invariant <c>sold + leased ≤ allocation</c> is
/// checked inside every write transaction that moves stock; a violation rolls the write back.
/// </summary>
internal interface IDropStore
{
    Task<DropWriteResult> PutDropAsync(DropWrite write, CancellationToken cancellationToken);

    /// <summary>The drop with its stock as of <paramref name="now"/> (expired leases count as returned).</summary>
    Task<StoredDrop?> GetDropAsync(string dropId, DateTimeOffset now, CancellationToken cancellationToken);

    Task<IReadOnlyList<StoredDrop>> ListDropsAsync(string creatorId, DateTimeOffset now, CancellationToken cancellationToken);

    Task<DropWriteResult> CancelDropAsync(string creatorId, string dropId, DateTimeOffset now, CancellationToken cancellationToken);

    Task<LeaseGrant> AcquireLeaseAsync(LeaseAsk ask, CancellationToken cancellationToken);

    /// <summary>
    /// Every ask in one write transaction (a group commit), in order, each seeing the grants before
    /// it; one grant per ask, in the same order. All or nothing: a failure rolls every grant back.
    /// </summary>
    Task<IReadOnlyList<LeaseGrant>> AcquireLeasesAsync(IReadOnlyList<LeaseAsk> asks, CancellationToken cancellationToken);

    /// <summary>
    /// Gives back up to <paramref name="units"/> unsold units; returns what the lease still holds
    /// (0 for a lease that is missing, expired, or not <paramref name="edgeId"/>'s when one is given).
    /// </summary>
    Task<int> ReturnLeaseAsync(string leaseId, int units, DateTimeOffset now, string? edgeId, CancellationToken cancellationToken);

    Task<SaleResult> ConfirmSaleAsync(SaleRequest sale, CancellationToken cancellationToken);

    /// <summary>
    /// Stores what <paramref name="edgeId"/>'s live reservations hold in its leases of <paramref name="dropId"/>
    /// and publishes the drop when that changed (one revision). Returns the leases applied.
    /// </summary>
    Task<int> ReportHoldsAsync(string dropId, string edgeId, IReadOnlyList<LeaseHoldReport> holds, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records an RSVP (idempotent). False when the drop does not exist or is closed.</summary>
    Task<bool> RsvpAsync(string dropId, string viewer, DateTimeOffset now, CancellationToken cancellationToken);

    Task<bool> HasRsvpAsync(string dropId, string viewer, CancellationToken cancellationToken);

    /// <summary>Every sale of a drop, oldest first (the creator's orders).</summary>
    Task<IReadOnlyList<SaleRecord>> ListSalesAsync(string dropId, CancellationToken cancellationToken);

    /// <summary>How many RSVPs a drop has (for the admin view and conversion metrics).</summary>
    Task<long> CountRsvpsAsync(string dropId, CancellationToken cancellationToken);

    /// <summary>
    /// Gives back the unsold units of every unexpired lease of <paramref name="edgeId"/> (an edge
    /// process that starts holds none of them: what its predecessor held died with it).
    /// </summary>
    Task<ReclaimedLeases> ReclaimLeasesAsync(string edgeId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The sale recorded under a reservation id, when a lease of <paramref name="edgeId"/> holds it.</summary>
    Task<EdgeSale?> FindSaleAsync(string reservationId, string edgeId, CancellationToken cancellationToken);
    /// <summary>Cancels a confirmed sale of the creator's drop (idempotent); null when there is no such sale.</summary>
    Task<SaleRecord?> CancelSaleAsync(string creatorId, string dropId, string reservationId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Stores edges' funnel reports (newest per drop, edge and boot wins).</summary>
    Task RecordFunnelsAsync(IReadOnlyList<EdgeFunnelReport> reports, CancellationToken cancellationToken);

    /// <summary>The raw facts of a drop's report, read in one transaction; null when the drop does not exist.</summary>
    Task<DropReportFacts?> GetReportFactsAsync(string dropId, DateTimeOffset now, CancellationToken cancellationToken);
}
