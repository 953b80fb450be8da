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
}
