using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Contracts;

/// <summary>
/// The one derivation of what a viewer can buy, shared by origin and edges so every view agrees:
/// <c>available = allocation − sold − units held by live reservations</c> on any edge. Units an edge
/// leased but nobody reserved still count as available (they can be reserved there, or come back).
/// </summary>
public static class DropStock
{
    /// <summary>
    /// Units held by reservations at <paramref name="now"/>: a hold counts until its lease's expiry,
    /// after which the origin accepts no sale under it, so a dead edge's holds end without a write.
    /// </summary>
    public static int Held(DropSku sku, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sku);
        var nowMs = now.ToUnixTimeMilliseconds();
        var held = 0L;
        foreach (var hold in sku.Holds)
        {
            if (hold.ExpiresAtUnixMs > nowMs && hold.Units > 0)
            {
                held += hold.Units;
            }
        }

        return (int)Math.Min(held, int.MaxValue);
    }

    /// <summary>Units a viewer can still buy at <paramref name="now"/> (never negative).</summary>
    public static int Available(DropSku sku, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sku);
        return (int)Math.Max(0L, (long)sku.Allocation - sku.Sold - Held(sku, now));
    }

    /// <summary>When the next hold ends after <paramref name="now"/> (its lease's expiry); null when none will.</summary>
    public static DateTimeOffset? NextHoldEnd(DropState drop, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(drop);
        var nowMs = now.ToUnixTimeMilliseconds();
        long? next = null;
        foreach (var sku in drop.Skus)
        {
            foreach (var hold in sku.Holds)
            {
                if (hold.ExpiresAtUnixMs > nowMs && hold.Units > 0 && (next is null || hold.ExpiresAtUnixMs < next))
                {
                    next = hold.ExpiresAtUnixMs;
                }
            }
        }

        return next is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }
}
