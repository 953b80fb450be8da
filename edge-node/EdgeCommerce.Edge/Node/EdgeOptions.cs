using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Edge.Node;

/// <summary>Who this edge is: its id, region and the URL browsers reach it at.</summary>
public sealed class EdgeOptions
{
    public const string SectionName = "Edge";

    /// <summary>Stable id of this edge, unique among edges (for example <c>edge-eu-1</c>). Required.</summary>
    [Required]
    public string Id { get; set; } = "";

    /// <summary>Region this edge serves (for example <c>eu-west</c>). Required.</summary>
    [Required]
    [MaxLength(64)]
    public string Region { get; set; } = "";

    /// <summary>Public base URL of this edge, announced to the origin. The default is empty (not announced).</summary>
    [MaxLength(2048)]
    public string PublicUrl { get; set; } = "";

    /// <summary>Directory for this edge's persisted state. The default is <c>.edgecommerce/edge</c>.</summary>
    [Required]
    public string DataDirectory { get; set; } = Path.Combine(".edgecommerce", "edge");

    /// <summary>
    /// Whether every open connection keeps a receive buffer (one 4 KB block) instead of first
    /// waiting for data with a zero-byte read. The default is true: one receive system call per
    /// request fewer, measured at 5% of the cached widget's CPU (perf/RESULTS.md); the price is
    /// 4 KB per idle keep-alive connection (40 MB for 10,000). False gives the memory back.
    /// </summary>
    public bool ReceiveBuffersUpFront { get; set; } = true;
}
