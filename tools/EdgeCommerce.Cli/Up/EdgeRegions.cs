using System.Globalization;

namespace EdgeCommerce.Cli.Up;

/// <summary>Ids and regions of the local edges: <c>edge-1</c> in eu-west, <c>edge-2</c> in us-east, and so on.</summary>
internal static class EdgeRegions
{
    private static readonly string[] s_regions =
    [
        "eu-west", "us-east", "ap-south", "sa-east", "us-west", "eu-central", "ap-northeast", "af-south",
        "me-central", "ca-central", "ap-southeast", "eu-north",
    ];

    /// <summary>The id of the edge at <paramref name="index"/> (0-based).</summary>
    public static string IdOf(int index) => string.Create(CultureInfo.InvariantCulture, $"edge-{index + 1}");

    /// <summary>A region of its own for every edge.</summary>
    public static string RegionOf(int index)
        => index < s_regions.Length ? s_regions[index] : string.Create(CultureInfo.InvariantCulture, $"region-{index + 1}");
}
