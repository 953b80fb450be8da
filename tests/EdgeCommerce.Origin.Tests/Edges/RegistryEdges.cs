using EdgeCommerce.Origin.Edges;

namespace EdgeCommerce.Origin.Tests.Edges;

/// <summary>Edges connected straight into an in-memory origin's registry, as a stream's hello would.</summary>
internal static class RegistryEdges
{
    /// <summary>Connects <paramref name="id"/> at <c>https://{id}.example.com</c>.</summary>
    /// <param name="appliedRevision">What the edge acknowledged; by default 1 (the first signing key, written when the first client is made): an edge that acknowledged nothing is never healthy.</param>
    public static long Connect(EdgeRegistry registry, string id, string region, long appliedRevision = 1)
        => registry.OnConnected(id, region, $"https://{id}.example.com", 2, appliedRevision);
}
