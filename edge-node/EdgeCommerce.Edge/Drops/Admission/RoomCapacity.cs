using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Drops.Admission;

/// <summary>
/// How many viewers of a drop may hold an unused pass on this edge at once: at most
/// <see cref="AdmissionOptions.ViewersPerUnsoldUnit"/> per unit this edge could still hand out,
/// and never more than <see cref="AdmissionOptions.MaxAdmitted"/>.
/// </summary>
/// <remarks>
/// A unit this edge could still hand out is one neither sold nor held by any edge's lease as of the
/// replica's revision (the origin would lease it), or one free in this edge's own leases. Units
/// held by reservations count for nobody, so the capacity follows units that come back: a released
/// or expired reservation frees its unit in the lease at once, a returned or ended lease at the
/// next revision. With every unit held it is 1 (nobody else is admitted until one comes back, and
/// the room admits again then, until the drop is sold out), not 0: a replica that still counts a
/// lease the origin already let end (no revision says so yet) must not stall the room, so one
/// viewer at a time may still try, and their lease call brings the truth back.
/// </remarks>
internal static class RoomCapacity
{
    /// <param name="localFreeUnits">Free units in this edge's usable leases of a SKU of the drop.</param>
    public static int Of(DropState drop, Func<string, int> localFreeUnits, AdmissionOptions options)
        => Of(drop, localFreeUnits, static (free, sku) => free(sku), options);

    /// <summary>As <see cref="Of(DropState, Func{string, int}, AdmissionOptions)"/>, with the lookup's state passed in: no closure on the reservation path.</summary>
    public static int Of<TState>(DropState drop, TState state, Func<TState, string, int> localFreeUnits, AdmissionOptions options)
    {
        ArgumentNullException.ThrowIfNull(drop);
        ArgumentNullException.ThrowIfNull(localFreeUnits);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ViewersPerUnsoldUnit <= 0)
        {
            return options.MaxAdmitted;
        }

        long units = 0;
        long unsold = 0;
        // Indexed: foreach over a protobuf RepeatedField allocates its enumerator, on every reservation here.
        var skus = drop.Skus;
        for (var i = 0; i < skus.Count; i++)
        {
            var sku = skus[i];
            units += Math.Max(0, sku.Allocation - sku.Sold - sku.Leased) + Math.Max(0, localFreeUnits(state, sku.SkuId));
            unsold += Math.Max(0, sku.Allocation - sku.Sold);
        }

        var capacity = (int)Math.Min(options.MaxAdmitted, Math.Ceiling(units * options.ViewersPerUnsoldUnit));
        return unsold > 0 ? Math.Max(1, capacity) : 0;
    }
}
