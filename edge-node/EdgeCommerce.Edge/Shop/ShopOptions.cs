namespace EdgeCommerce.Edge.Shop;

/// <summary>Edge settings for the shop page, the embed and cross-origin reads (section <c>Shop</c>).</summary>
public sealed class ShopOptions
{
    public const string SectionName = "Shop";

    /// <summary>
    /// Per creator id, the web origins of the creator's own site (<c>https://creator.example</c>,
    /// scheme, host and port only): they may embed <c>/shop/{creatorId}</c> in a frame
    /// (<c>frame-ancestors</c>), read that creator's widget, drops and recommendations across
    /// origins (CORS), and hand the shop page a viewer token (<c>postMessage</c>). Every other
    /// origin gets none of these. <c>https</c> only, except <c>http</c> on loopback (a local demo).
    /// Configured as <c>Shop:AllowedOrigins:&lt;creatorId&gt;:0=https://creator.example</c>.
    /// The default is no origin for any creator.
    /// </summary>
    /// <remarks>REVIEW: an edge setting, not yet a creator setting at the origin that reaches edges on the sync stream.</remarks>
    public Dictionary<string, List<string>> AllowedOrigins { get; set; } = new(StringComparer.Ordinal);
}
