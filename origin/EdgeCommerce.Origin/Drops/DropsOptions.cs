using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Origin.Drops;

/// <summary>Origin settings for drops and inventory leases (section <c>Drops</c>).</summary>
internal sealed class DropsOptions
{
    public const string SectionName = "Drops";

    /// <summary>How long an inventory lease lasts on the origin's clock. The default is 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "1.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The most units one lease may hold (grants also shrink to a quarter of what is free). The default is 10 units.</summary>
    [Range(1, 1000)]
    public int MaxLeaseUnits { get; set; } = 10;

    /// <summary>
    /// How long before a drop's early access (or its start, without early access) edges may place
    /// stock: leases granted before the open, so the opening burst is served without a round trip
    /// to the origin. Zero turns placing off. The default is 1 minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan PrepositionLead { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The part of each SKU's allocation never placed before the open: it stays at the origin for
    /// the refills of whichever edge sells fastest, so a quiet edge strands at most its share. Once
    /// no more than it is free, a refill gets exactly the units its buyers wait for (no extra that
    /// would strand on one edge). The default is 0.2 (a fifth).
    /// </summary>
    [Range(0.0, 0.9)]
    public double PrepositionReserve { get; set; } = 0.2;

    /// <summary>Largest admin request body in bytes. The default is 64 KiB.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;
}
