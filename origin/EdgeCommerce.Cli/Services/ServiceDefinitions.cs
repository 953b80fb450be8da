using System.Globalization;

namespace EdgeCommerce.Cli.Services;

/// <summary>
/// The command lines of the origin and the edge. Every setting is passed explicitly, with absolute
/// paths, so nothing depends on the child's appsettings.json or working directory.
/// </summary>
internal static class ServiceDefinitions
{
    /// <param name="adminTokenPath">Where the origin writes a platform operator token at startup, for the CLI.</param>
    /// <param name="settings">More configuration as <c>KEY=VALUE</c> (e.g. <c>Drops:LeaseDuration=00:00:30</c>), after the others so they win.</param>
    public static ServiceDefinition Origin(string assemblyPath, int httpPort, int grpcPort, string dataDirectory, string adminTokenPath, IEnumerable<string>? settings = null)
    {
        var http = LoopbackUrl(httpPort);
        dataDirectory = Path.GetFullPath(dataDirectory);
        return new ServiceDefinition("origin", assemblyPath,
        [
            "--Kestrel:Endpoints:Http:Url=" + http,
            "--Kestrel:Endpoints:Http:Protocols=Http1",
            "--Kestrel:Endpoints:Grpc:Url=" + LoopbackUrl(grpcPort),
            "--Kestrel:Endpoints:Grpc:Protocols=Http2",
            "--Storage:DataDirectory=" + dataDirectory,
            "--Keys:BootstrapTokenPath=" + Path.GetFullPath(adminTokenPath),
            .. (settings ?? []).Select(static setting => "--" + setting),
        ], new Uri(http + "/readyz"), dataDirectory);
    }

    /// <param name="syncTokenPath">The file holding the edge's <c>edge:sync</c> token (read at every connection).</param>
    /// <param name="settings">More configuration as <c>KEY=VALUE</c> (e.g. <c>Shop:AllowedOrigins:c1:0=https://…</c>).</param>
    public static ServiceDefinition Edge(string assemblyPath, string id, string region, int port, string originGrpcUrl, string dataDirectory, string syncTokenPath,
        IEnumerable<string>? settings = null)
    {
        var http = LoopbackUrl(port);
        dataDirectory = Path.GetFullPath(dataDirectory);
        return new ServiceDefinition(id, assemblyPath,
        [
            "--Kestrel:Endpoints:Http:Url=" + http,
            "--Edge:Id=" + id,
            "--Edge:Region=" + region,
            "--Edge:PublicUrl=" + http,
            "--Edge:DataDirectory=" + dataDirectory,
            "--Sync:OriginAddress=" + originGrpcUrl.TrimEnd('/'),
            "--Sync:TokenPath=" + Path.GetFullPath(syncTokenPath),
            .. (settings ?? []).Select(static setting => "--" + setting),
        ], new Uri(http + "/readyz"), dataDirectory);
    }

    /// <summary><c>http://127.0.0.1:P</c>, without a trailing slash (the form endpoints.json uses).</summary>
    public static string LoopbackUrl(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
}
