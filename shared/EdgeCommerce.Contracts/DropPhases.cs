using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Contracts;

/// <summary>Where a drop stands, derived from its schedule, its stock and the time (never stored).</summary>
public enum DropPhase
{
    /// <summary>Before anyone may reserve.</summary>
    Scheduled,

    /// <summary>Only the early-access audience may reserve (from <c>startsAt − minutes</c>, inclusive).</summary>
    EarlyAccess,

    /// <summary>Everyone may reserve (from <c>startsAt</c>, inclusive).</summary>
    Open,

    /// <summary>Every SKU sold its whole allocation: definitive, nothing can come back.</summary>
    SoldOut,

    /// <summary>Past <c>endsAt</c> (inclusive), or cancelled.</summary>
    Closed,
}

/// <summary>The one derivation of a drop's phase, shared by origin and edges so both answer alike.</summary>
public static class DropPhases
{
    public static DateTimeOffset StartsAt(DropState drop)
    {
        ArgumentNullException.ThrowIfNull(drop);
        return FromUnixMs(drop.StartsAtUnixMs);
    }

    public static DateTimeOffset EndsAt(DropState drop)
    {
        ArgumentNullException.ThrowIfNull(drop);
        return FromUnixMs(drop.EndsAtUnixMs);
    }

    /// <summary>When the early-access audience may start reserving (= <see cref="StartsAt"/> without early access).</summary>
    /// <remarks>Saturates at <see cref="DateTimeOffset.MinValue"/>: a start at the first representable instant stays a time, not an exception on every view of the drop.</remarks>
    public static DateTimeOffset EarlyAccessFrom(DropState drop)
    {
        var startsAt = StartsAt(drop);
        var minutes = Math.Max(0, drop.EarlyAccessMinutes);
        return startsAt - DateTimeOffset.MinValue < TimeSpan.FromMinutes(minutes) ? DateTimeOffset.MinValue : startsAt.AddMinutes(-minutes);
    }

    /// <summary>
    /// A time from the wire, clamped to what <see cref="DateTimeOffset"/> can hold: a drop stored
    /// before the origin checked its range (or sent by a faulty origin) must not make every view
    /// of it throw on an edge.
    /// </summary>
    public static DateTimeOffset FromUnixMs(long unixMs)
        => DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(unixMs, MinUnixMs, MaxUnixMs));

    // DateTimeOffset.MinValue and MaxValue in Unix milliseconds.
    private const long MinUnixMs = -62_135_596_800_000;
    private const long MaxUnixMs = 253_402_300_799_999;

    /// <summary>True when every SKU sold its whole allocation.</summary>
    /// <remarks>An indexed loop: <see cref="Of"/> runs several times per reservation, and enumerating a protobuf <c>RepeatedField</c> allocates.</remarks>
    public static bool IsSoldOut(DropState drop)
    {
        ArgumentNullException.ThrowIfNull(drop);
        var skus = drop.Skus;
        for (var i = 0; i < skus.Count; i++)
        {
            if (skus[i].Sold < skus[i].Allocation)
            {
                return false;
            }
        }

        return skus.Count > 0;
    }

    public static DropPhase Of(DropState drop, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(drop);
        if (drop.Cancelled || now >= EndsAt(drop))
        {
            return DropPhase.Closed;
        }

        if (IsSoldOut(drop))
        {
            return DropPhase.SoldOut;
        }

        if (now >= StartsAt(drop))
        {
            return DropPhase.Open;
        }

        return drop.EarlyAccessMinutes > 0 && now >= EarlyAccessFrom(drop) ? DropPhase.EarlyAccess : DropPhase.Scheduled;
    }

    /// <summary>
    /// The first instant after <paramref name="now"/> at which <see cref="Of"/> may answer otherwise
    /// with no new revision (early access opens, the drop opens or ends); null when none is left.
    /// </summary>
    public static DateTimeOffset? NextChange(DropState drop, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(drop);
        if (drop.Cancelled)
        {
            return null;
        }

        DateTimeOffset? next = null;
        foreach (var at in (ReadOnlySpan<DateTimeOffset>)[EarlyAccessFrom(drop), StartsAt(drop), EndsAt(drop)])
        {
            if (at > now && (next is null || at < next))
            {
                next = at;
            }
        }

        return next;
    }

    /// <summary>The phase as the JSON APIs spell it.</summary>
    public static string Name(DropPhase phase) => phase switch
    {
        DropPhase.Scheduled => "scheduled",
        DropPhase.EarlyAccess => "early_access",
        DropPhase.Open => "open",
        DropPhase.SoldOut => "sold_out",
        _ => "closed",
    };
}
