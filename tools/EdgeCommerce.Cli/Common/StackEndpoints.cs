namespace EdgeCommerce.Cli.Common;

/// <summary>
/// Where a running local stack listens, as written to <c>&lt;data&gt;/endpoints.json</c> by
/// <c>up</c> once every service is ready: other verbs find the origin there, and a later
/// <c>up</c> reuses the same ports.
/// </summary>
/// <param name="Origin">The origin's HTTP URL (health, admin API), e.g. <c>http://127.0.0.1:5080</c>.</param>
/// <param name="OriginGrpc">The origin's HTTP/2-only sync URL, e.g. <c>http://127.0.0.1:5081</c>.</param>
/// <param name="Edges">Every edge of the stack, in start order.</param>
/// <param name="DemoSite">The DEMO ONLY stand-in creator site, e.g. <c>http://127.0.0.1:5200</c>; null when it did not start (no edges, or its port was taken).</param>
internal sealed record StackEndpoints(string Origin, string OriginGrpc, IReadOnlyList<EdgeEndpoint> Edges, string? DemoSite = null);

/// <param name="Id">The edge's id, e.g. <c>edge-1</c>.</param>
/// <param name="Region">The region it reports, e.g. <c>eu-west</c>.</param>
/// <param name="Url">Its public HTTP URL.</param>
internal sealed record EdgeEndpoint(string Id, string Region, string Url);
