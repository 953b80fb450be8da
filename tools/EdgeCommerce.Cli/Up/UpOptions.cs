namespace EdgeCommerce.Cli.Up;

/// <summary>What <c>up</c> starts and where, after parsing.</summary>
internal sealed class UpOptions
{
    /// <summary>Default HTTP port of the origin. 5080.</summary>
    public const int DefaultOriginPort = 5080;

    /// <summary>Default gRPC (sync) port of the origin. 5081.</summary>
    public const int DefaultGrpcPort = 5081;

    /// <summary>Default port of the first edge; the next edges take the following ports. 5101.</summary>
    public const int DefaultEdgePort = 5101;

    /// <summary>Preferred port of the DEMO ONLY stand-in creator site. 5200.</summary>
    public const int DefaultDemoSitePort = 5200;

    /// <summary>Most edges one <c>up</c> runs. 16.</summary>
    public const int MaxEdges = 16;

    /// <summary>Absolute data directory: <c>origin/</c>, <c>edges/&lt;id&gt;/</c>, <c>logs/</c> and <c>endpoints.json</c>. The default is <c>.edgecommerce</c> in the current directory.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>How many edges to run, 0 to <see cref="MaxEdges"/>. The default is 2.</summary>
    public int Edges { get; init; } = 2;

    /// <summary>
    /// How many of the edges are also relays (<c>Relay:Enabled</c>): the first R; the others sync
    /// through relay (i mod R), falling back to the origin, with inventory calls to the origin. The default is 0.
    /// </summary>
    public int Relays { get; init; }

    /// <summary>Preferred origin HTTP port. The default (null) is the port of the previous run, else <see cref="DefaultOriginPort"/>.</summary>
    public int? OriginPort { get; init; }

    /// <summary>Preferred origin gRPC port. The default (null) is the port of the previous run, else <see cref="DefaultGrpcPort"/>.</summary>
    public int? GrpcPort { get; init; }

    /// <summary>Preferred port of the first edge (edge N prefers this + N - 1). The default (null) is each edge's port of the previous run, else <see cref="DefaultEdgePort"/> onwards.</summary>
    public int? EdgePort { get; init; }

    /// <summary>Preferred port of the DEMO ONLY creator site. The default (null) is the port of the previous run, else <see cref="DefaultDemoSitePort"/>.</summary>
    public int? DemoSitePort { get; init; }

    /// <summary>First wait before restarting a service that crashed; doubled per crash in a row up to <see cref="MaxRestartDelay"/>. The default is 1 second.</summary>
    public TimeSpan InitialRestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait before a restart. The default is 30 seconds.</summary>
    public TimeSpan MaxRestartDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A service up this long before it crashed starts its backoff over. The default is 60 seconds.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long each service may take to become ready. The default is 120 seconds.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long a service may take to stop after SIGTERM before it is killed. The default is 10 seconds.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);

    public string OriginDataDirectory => Path.Combine(DataDirectory, "origin");

    public string LogDirectory => Path.Combine(DataDirectory, "logs");

    public string EdgeDataDirectory(string edgeId) => Path.Combine(DataDirectory, "edges", edgeId);

    /// <summary>The file, in an edge's data directory, holding its <c>edge:sync</c> token.</summary>
    public const string SyncTokenFileName = "sync.token";

    /// <summary>Where the origin writes the platform operator token the CLI verbs use by default.</summary>
    public string AdminTokenPath => Path.Combine(DataDirectory, Common.AdminConnection.TokenFileName);

    public string LogPath(string service) => Path.Combine(LogDirectory, service + ".log");
}
