namespace EdgeCommerce.Cli.Services;

/// <summary>
/// The origin and the edge as services of the local stack: <see cref="ServiceCommandLines"/>, the
/// caller's settings after them, and where each keeps its data and answers readiness.
/// </summary>
internal static class ServiceDefinitions
{
    /// <param name="adminTokenPath">Where the origin writes a platform operator token at startup, for the CLI.</param>
    /// <param name="settings">More configuration as <c>KEY=VALUE</c> (e.g. <c>Drops:LeaseDuration=00:00:30</c>), after the others so they win.</param>
    public static ServiceDefinition Origin(string assemblyPath, int httpPort, int grpcPort, string dataDirectory, string adminTokenPath, IEnumerable<string>? settings = null)
        => new("origin", assemblyPath,
            [.. ServiceCommandLines.Origin(httpPort, grpcPort, dataDirectory, adminTokenPath), .. (settings ?? []).Select(static setting => "--" + setting)],
            ReadyUrl(httpPort), Path.GetFullPath(dataDirectory));

    /// <param name="syncTokenPath">The file holding the edge's <c>edge:sync</c> token (read at every connection).</param>
    /// <param name="settings">More configuration as <c>KEY=VALUE</c> (e.g. <c>Shop:AllowedOrigins:c1:0=https://…</c>).</param>
    public static ServiceDefinition Edge(string assemblyPath, string id, string region, int port, string originGrpcUrl, string dataDirectory, string syncTokenPath,
        IEnumerable<string>? settings = null)
        => new(id, assemblyPath,
            [.. ServiceCommandLines.Edge(id, region, port, originGrpcUrl, dataDirectory, syncTokenPath), .. (settings ?? []).Select(static setting => "--" + setting)],
            ReadyUrl(port), Path.GetFullPath(dataDirectory));

    /// <summary><c>http://127.0.0.1:P</c>, without a trailing slash (the form endpoints.json uses).</summary>
    public static string LoopbackUrl(int port) => LoopbackPorts.Url(port);

    private static Uri ReadyUrl(int port) => new(LoopbackPorts.Url(port) + ServiceCommandLines.ReadyPath);
}
