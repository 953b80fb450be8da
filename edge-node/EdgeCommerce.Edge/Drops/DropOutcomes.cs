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
    /// <summary>The reservation needs the origin and no origin replica answers (timed out or circuit open).</summary>
    OriginUnreachable,
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
    /// <summary>No origin replica answers: the reservation stays held and retrying is safe.</summary>
    OriginUnreachable,
}

/// <param name="RetryAfter">With <see cref="ConfirmStatus.OriginUnreachable"/>: when the origin may be reachable again.</param>
internal sealed record ConfirmResult(ConfirmStatus Status, Reservation? Reservation = null, TimeSpan? RetryAfter = null);

internal enum RsvpStatus
{
    Recorded,
    NotFound,
    Closed,
    Unavailable,
    /// <summary>No origin replica answers (timed out or circuit open).</summary>
    OriginUnreachable,
}
