namespace EdgeCommerce.Hosting.Processes;

/// <summary>
/// The command lines of the origin and the edge on loopback. Every setting is passed explicitly,
/// with absolute paths, so nothing depends on the child's appsettings.json or working directory;
/// callers append their own settings after these, so theirs win.
/// </summary>
public static class ServiceCommandLines
{
    /// <summary>Answers 200 once a service is ready to serve (an edge: it holds a replica).</summary>
    public const string ReadyPath = "/readyz";

    /// <summary>Answers 200 once a service is alive (an edge whose origin is down is alive, not ready).</summary>
    public const string AlivePath = "/healthz";

    /// <param name="adminTokenPath">Where the origin writes a platform operator token at startup.</param>
    public static string[] Origin(int httpPort, int grpcPort, string dataDirectory, string adminTokenPath) =>
    [
        "--Kestrel:Endpoints:Http:Url=" + LoopbackPorts.Url(httpPort),
        "--Kestrel:Endpoints:Http:Protocols=Http1",
        "--Kestrel:Endpoints:Grpc:Url=" + LoopbackPorts.Url(grpcPort),
        "--Kestrel:Endpoints:Grpc:Protocols=Http2",
        "--Storage:DataDirectory=" + Path.GetFullPath(dataDirectory),
        "--Keys:BootstrapTokenPath=" + Path.GetFullPath(adminTokenPath),
    ];

    /// <param name="originGrpcUrl">The origin's (or a relay's) gRPC address.</param>
    /// <param name="syncTokenPath">The file holding the edge's <c>edge:sync</c> token (read at every connection).</param>
    public static string[] Edge(string id, string region, int port, string originGrpcUrl, string dataDirectory, string syncTokenPath) =>
    [
        "--Kestrel:Endpoints:Http:Url=" + LoopbackPorts.Url(port),
        "--Kestrel:Endpoints:Http:Protocols=Http1",
        "--Edge:Id=" + id,
        "--Edge:Region=" + region,
        "--Edge:PublicUrl=" + LoopbackPorts.Url(port),
        "--Edge:DataDirectory=" + Path.GetFullPath(dataDirectory),
        "--Sync:OriginAddress=" + originGrpcUrl.TrimEnd('/'),
        "--Sync:TokenPath=" + Path.GetFullPath(syncTokenPath),
    ];
}
