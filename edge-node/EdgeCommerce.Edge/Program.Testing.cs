namespace EdgeCommerce.Edge;

/// <summary>
/// Names the edge host for <c>WebApplicationFactory&lt;T&gt;</c>. A test project that hosts both
/// the origin and the edge sees two global <c>Program</c> types; this marker is unambiguous.
/// </summary>
public sealed class EdgeHostMarker;
