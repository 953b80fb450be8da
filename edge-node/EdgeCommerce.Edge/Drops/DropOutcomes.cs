namespace EdgeCommerce.Edge.Drops;

internal enum ReserveStatus
{
    Created,
    NotFound,
    UnknownSku,
    Closed,
    SoldOut,
    NotOpen,
    OverLimit,
    Unavailable,
    KeyReused,
}

/// <param name="Replayed">An earlier request with the same idempotency key made this reservation.</param>
internal sealed record ReserveResult(ReserveStatus Status, Reservation? Reservation = null, DateTimeOffset? OpensAt = null, TimeSpan? RetryAfter = null, bool Replayed = false);

internal enum ConfirmStatus
{
    Confirmed,
    NotFound,
    /// <summary>The reservation expired or was released before it was confirmed.</summary>
    Gone,
    OverLimit,
    /// <summary>The origin refused the sale for good (lease expired, drop cancelled): the units were released.</summary>
    Refused,
    Unavailable,
}

internal sealed record ConfirmResult(ConfirmStatus Status, Reservation? Reservation = null);

internal enum RsvpStatus
{
    Recorded,
    NotFound,
    Closed,
    Unavailable,
}
