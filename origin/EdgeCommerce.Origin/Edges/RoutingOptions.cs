using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Origin.Edges;

/// <summary>Which edges count as healthy, and which regions are near each other.</summary>
public sealed class RoutingOptions
{
    public const string SectionName = "Routing";

    /// <summary>
    /// For each region, the other regions in order of preference after itself, e.g.
    /// <c>"eu-west": ["eu-central", "us-east"]</c>. Regions not listed come last. The default is empty.
    /// </summary>
    public Dictionary<string, string[]> Adjacency { get; set; } = new(StringComparer.Ordinal);

    /// <summary>An edge further behind the head than this is not offered to browsers. The default is 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan MaxLag { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// An edge not heard from for this long is taken as disconnected, even if its origin replica
    /// crashed before saying so. The default is 10 seconds (several heartbeats).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ContactTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often registry changes are written to the store. The default is 250 milliseconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RegistryFlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The hosts an edge's <c>public_url</c> may name (browsers are sent there): exact host names or
    /// <c>*.suffix</c> patterns, e.g. <c>"*.edges.example.com"</c> (any subdomain, not the suffix
    /// itself), compared case-insensitively; <c>"*"</c> accepts any host. The URL must also be
    /// <c>https://</c>, or <c>http://</c> on a loopback host. The default is empty, which accepts
    /// loopback hosts only (<c>localhost</c>, 127.0.0.0/8, <c>::1</c>: what <c>edgecommerce up</c>
    /// runs); once set, only the listed hosts are accepted, loopback included only when listed.
    /// A hello naming any other URL is refused with <c>PERMISSION_DENIED</c>.
    /// </summary>
    public string[] AllowedEdgeUrls { get; set; } = [];

    /// <summary>
    /// How often this origin re-reads the revoked edges from the store, which bounds how long an
    /// edge revoked through another origin replica keeps its open streams and lease calls here
    /// (a hello always reads the store). The default is 1 second.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RevocationRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether <c>/v1/edges/nearest</c> answers go through the output cache (see
    /// <see cref="NearestEdgesCachePolicy"/>); false computes every answer (for comparison). The default is true.
    /// </summary>
    public bool CacheNearest { get; set; } = true;
}
