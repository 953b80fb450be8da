using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Up;

/// <summary>
/// The ports <c>up</c> asks for, before checking they are free: an explicit option first, then
/// the previous run's port from <c>endpoints.json</c> (so restarted services come back where
/// they were), then the defaults 5080, 5081, 5101 onwards and 5200 (the demo site).
/// </summary>
internal sealed record PreferredPorts(int Origin, int Grpc, IReadOnlyList<int?> Edges, int DemoSite = UpOptions.DefaultDemoSitePort)
{
    public static PreferredPorts For(UpOptions options, StackEndpoints? previous)
    {
        ArgumentNullException.ThrowIfNull(options);

        var edges = new List<int?>(options.Edges);
        for (var index = 0; index < options.Edges; index++)
        {
            var id = EdgeRegions.IdOf(index);
            var port = options.EdgePort is { } first
                ? first + index
                : EndpointsFile.PortOf(previous?.Edges.FirstOrDefault(edge => edge.Id == id)?.Url) ?? UpOptions.DefaultEdgePort + index;
            edges.Add(port <= 65535 ? port : null);
        }

        return new PreferredPorts(
            options.OriginPort ?? EndpointsFile.PortOf(previous?.Origin) ?? UpOptions.DefaultOriginPort,
            options.GrpcPort ?? EndpointsFile.PortOf(previous?.OriginGrpc) ?? UpOptions.DefaultGrpcPort,
            edges,
            options.DemoSitePort ?? EndpointsFile.PortOf(previous?.DemoSite) ?? UpOptions.DefaultDemoSitePort);
    }
}
