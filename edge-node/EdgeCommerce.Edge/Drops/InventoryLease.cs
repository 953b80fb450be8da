using System.Collections.Concurrent;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// Units of one SKU leased from the origin. Mutable, guarded by its <see cref="LeasePool"/>'s lock:
/// <c>Held + Sold ≤ Units</c> always, so the edge never promises more than the origin lent it.
/// </summary>
internal sealed class InventoryLease(string id, int units, DateTimeOffset expiresAt)
{
    public string Id { get; } = id;

    /// <summary>Units the lease holds at the origin (less what was given back).</summary>
    public int Units { get; set; } = units;

    /// <summary>Units inside unexpired, unconfirmed reservations.</summary>
    public int Held { get; set; }

    /// <summary>Units confirmed as sales.</summary>
    public int Sold { get; set; }

    /// <summary>The origin's expiry (origin clock).</summary>
    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public int Free => Units - Held - Sold;

    /// <summary>
    /// The lease's reservations in the order they were made, for <see cref="NextRelease"/>. Within
    /// one lease they expire in that order too (each at its creation plus the edge's TTL, or at the
    /// lease's own end if sooner), so the first one still held is the next to give units back.
    /// </summary>
    private readonly ConcurrentQueue<Reservation> _made = new();

    public void Made(Reservation reservation) => _made.Enqueue(reservation);

    /// <summary>
    /// When the earliest reservation still held in this lease expires, or null with none; drops the
    /// ended ones ahead of it, so each reservation is looked at about once. One caller at a time
    /// (the holds report).
    /// </summary>
    public DateTimeOffset? NextRelease()
    {
        while (_made.TryPeek(out var first))
        {
            if (first.State == ReservationState.Held)
            {
                return first.ExpiresAt;
            }

            _made.TryDequeue(out _);
        }

        return null;
    }
}
