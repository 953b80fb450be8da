using EdgeCommerce.ServiceDefaults.Authentication;

namespace EdgeCommerce.Edge.Drops;

internal enum ReservationState
{
    Held,
    Confirmed,
    Released,
    Expired,
}

/// <summary>A viewer's hold on units inside one lease. State changes under <see cref="Gate"/>.</summary>
/// <param name="creator">The drop's creator: the viewer is (<paramref name="creator"/>, <paramref name="viewer"/>).</param>
/// <param name="viewer">The token's <c>sub</c> (what the origin records, paired with the drop's creator).</param>
internal sealed class Reservation(string id, string dropId, string skuId, int quantity, string creator, string viewer, string idempotencyKey, LeasePool pool, InventoryLease lease, DateTimeOffset expiresAt)
{
    public string Id { get; } = id;

    public string DropId { get; } = dropId;

    public string SkuId { get; } = skuId;

    public int Quantity { get; } = quantity;

    public string Creator { get; } = creator;

    public string Viewer { get; } = viewer;

    public string IdempotencyKey { get; } = idempotencyKey;

    public LeasePool Pool { get; } = pool;

    public InventoryLease Lease { get; } = lease;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public ReservationState State { get; set; } = ReservationState.Held;

    /// <summary>A confirmation call is in flight: the sweeper leaves the reservation alone.</summary>
    public bool Confirming { get; set; }

    /// <summary>
    /// A confirm reached for the origin and its outcome is unknown (a timeout, a lost answer): the
    /// sale may have landed. Until the origin says (a retried confirm, which it answers once per
    /// reservation id) or the lease ends, the reservation is not expired, so a viewer whose purchase
    /// landed is never told 410 and its units are never handed to someone else.
    /// </summary>
    public bool ConfirmInDoubt { get; set; }

    /// <summary>Set when the origin said an earlier reservation with the same idempotency key was the sale.</summary>
    public string? DuplicateOf { get; set; }

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Whether <paramref name="token"/> is this reservation's viewer: same creator and same <c>sub</c>.</summary>
    public bool IsHeldBy(AccessToken token)
        => token.IsViewerOf(Creator) && string.Equals(Viewer, token.Subject, StringComparison.Ordinal);
}
