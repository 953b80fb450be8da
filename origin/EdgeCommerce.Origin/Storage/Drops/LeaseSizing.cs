namespace EdgeCommerce.Origin.Storage.Drops;

/// <summary>
/// How many units a refill lease gets (a placement before the open is sized by its share instead,
/// see <see cref="LeasePlacement"/>). Evaluated inside the lease's write transaction, with the
/// SKU's free units as that transaction sees them.
/// </summary>
internal static class LeaseSizing
{
    /// <summary>
    /// The grant of a refill <paramref name="ask"/> while <paramref name="free"/> units (at least
    /// <paramref name="minUnits"/>) are free. Without buyers waiting: what the edge asks (its recent
    /// demand), at most <see cref="LeaseAsk.MaxUnits"/> and a quarter of what is free, so the last
    /// units spread over edges instead of stranding on one. With buyers waiting: their total in
    /// full (they sell at once, so they strand nowhere), plus at most a quarter of what stays free
    /// above the reserve (<see cref="LeaseAsk.ReserveFraction"/> of <paramref name="allocation"/>):
    /// once no more than the reserve is free, exactly the waiting buyers' units. An extra unit
    /// there went to whichever edge asked first, and another edge's last buyers found it missing
    /// and waited for an idle edge to give it back (seconds, where a refill takes milliseconds).
    /// </summary>
    public static int Refill(LeaseAsk ask, int allocation, int free, int minUnits)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var units = Math.Max(minUnits, Math.Min(Math.Min(Math.Max(1, ask.Units), ask.MaxUnits), Math.Max(1, free / DropSql.ShrinkDivisor)));
        if (ask.WantedUnits <= 0)
        {
            return units;
        }

        var wanted = Math.Min(Math.Min(ask.WantedUnits, ask.Units), free);
        var reserve = (int)Math.Ceiling(allocation * Math.Clamp(ask.ReserveFraction, 0, 1));
        var spare = Math.Max(0, free - wanted - reserve);
        var extra = Math.Min(Math.Min(ask.Units - wanted, ask.MaxUnits), spare / DropSql.ShrinkDivisor);
        return Math.Max(minUnits, wanted + extra);
    }
}
