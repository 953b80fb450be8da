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
}
