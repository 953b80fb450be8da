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

    /// <summary>Largest admin request body in bytes. The default is 64 KiB.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;
}
