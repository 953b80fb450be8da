using System.CommandLine;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Up;

/// <summary><c>up</c>: the origin and N edges on this machine, with demo data, until Ctrl-C.</summary>
internal sealed class UpCommand : Command
{
    private readonly Option<string> _data = CommonOptions.Data();
    private readonly Option<int> _edges = new("--edges")
    {
        Description = "How many edges to run, each in its own region",
        HelpName = "N",
        DefaultValueFactory = static _ => 2,
        CustomParser = static result => CommonOptions.ParseInt(result, "--edges", 0, UpOptions.MaxEdges, "a number of edges") ?? 0,
    };

    private readonly Option<int> _relays = new("--relays")
    {
        Description = "How many of the edges are also regional relays; the other edges sync through them (falling back to the origin)",
        HelpName = "R",
        DefaultValueFactory = static _ => 0,
        CustomParser = static result => CommonOptions.ParseInt(result, "--relays", 0, UpOptions.MaxEdges, "a number of relays") ?? 0,
    };

    private readonly Option<int?> _originPort = CommonOptions.Port("--origin-port", "The origin's HTTP port (default: the previous run's, else 5080)");
    private readonly Option<int?> _grpcPort = CommonOptions.Port("--grpc-port", "The origin's gRPC sync port (default: the previous run's, else 5081)");
    private readonly Option<int?> _edgePort = CommonOptions.Port("--edge-port", "The first edge's port; the others follow (default: the previous run's, else 5101)");
    private readonly Option<int?> _demoPort = CommonOptions.Port("--demo-port", "The DEMO ONLY creator site's port (default: the previous run's, else 5200; a taken port is replaced by a free one)");

    public UpCommand(CliContext context)
        : base("up", "Run the origin and edges locally with demo data, print where to look; a crashed service is restarted, Ctrl-C stops all.")
    {
        Options.Add(_data);
        Options.Add(_edges);
        Options.Add(_relays);
        Options.Add(_originPort);
        Options.Add(_grpcPort);
        Options.Add(_edgePort);
        Options.Add(_demoPort);
        SetAction((parseResult, _) => new LocalStack(Bind(parseResult, context), context).RunAsync());
    }

    internal UpOptions Bind(ParseResult parseResult, CliContext context) => new()
    {
        DataDirectory = context.ResolvePath(parseResult.GetRequiredValue(_data)),
        Edges = parseResult.GetValue(_edges),
        Relays = Math.Min(parseResult.GetValue(_relays), parseResult.GetValue(_edges)),
        OriginPort = parseResult.GetValue(_originPort),
        GrpcPort = parseResult.GetValue(_grpcPort),
        EdgePort = parseResult.GetValue(_edgePort),
        DemoSitePort = parseResult.GetValue(_demoPort),
    };
}
