using System.CommandLine;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Services;
using EdgeCommerce.Cli.Up;

namespace EdgeCommerce.Cli.Foreground;

/// <summary><c>edge</c>: one edge, in the foreground, for operators and deployments.</summary>
internal sealed class EdgeCommand : Command
{
    private readonly Option<string> _data = CommonOptions.Data();
    private readonly Option<string> _id = CommonOptions.Id("--id", "The edge's id, e.g. edge-1");
    private readonly Option<string> _region = new("--region")
    {
        Description = "The region the edge serves, e.g. eu-west",
        HelpName = "REGION",
        Required = true,
    };

    private readonly Option<int?> _port = CommonOptions.Port("--port", "The HTTP port; default 5101");
    private readonly Option<Uri?> _originGrpc = CommonOptions.HttpUrl("--origin-grpc", "The origin's gRPC sync URL (default: originGrpc in <data>/endpoints.json, else http://127.0.0.1:5081)");

    private readonly Option<string?> _tokenFile = new("--token-file")
    {
        Description = "A file holding the edge's edge:sync token (default: <data>/edges/<id>/sync.token). "
            + "Mint one with: edgecommerce token --sub <id> --scope edge:sync --audience origin --ttl 86400",
        HelpName = "FILE",
    };

    public EdgeCommand(CliContext context)
        : base("edge", "Run one edge in the foreground (data under <data>/edges/<id>) until Ctrl-C or SIGTERM. Any setting can follow as --Section:Key=value.")
    {
        _region.Validators.Add(static result =>
        {
            if (result.GetValueOrDefault<string>() is { } region && (region.Length is 0 or > 64 || region.Any(static c => char.IsControl(c) || char.IsWhiteSpace(c))))
            {
                result.AddError($"--region '{region}' must be 1-64 characters without spaces.");
            }
        });

        Options.Add(_data);
        Options.Add(_id);
        Options.Add(_region);
        Options.Add(_port);
        Options.Add(_originGrpc);
        Options.Add(_tokenFile);
        ServiceSettings.AcceptSettings(this);
        SetAction(async (parseResult, _) =>
        {
            if (ServiceSettings.Read(parseResult).Error is { } error)
            {
                await context.Error.WriteLineAsync(error);
                return ExitCodes.UsageError;
            }

            return await RunAsync(Bind(parseResult, context), context);
        });
    }

    internal ServiceDefinition Bind(ParseResult parseResult, CliContext context)
    {
        var data = context.ResolvePath(parseResult.GetRequiredValue(_data));
        var id = parseResult.GetRequiredValue(_id);
        var originGrpc = parseResult.GetValue(_originGrpc)?.GetLeftPart(UriPartial.Authority)
            ?? EndpointsFile.Read(data)?.OriginGrpc
            ?? ServiceDefinitions.LoopbackUrl(UpOptions.DefaultGrpcPort);
        var assembly = ServiceBinaries.FromEnvironment(context).Require(ServiceBinaries.EdgeProject);
        var edgeData = Path.Combine(data, "edges", id);
        var tokenFile = parseResult.GetValue(_tokenFile) is { } file ? context.ResolvePath(file) : Path.Combine(edgeData, UpOptions.SyncTokenFileName);
        return ServiceDefinitions.Edge(assembly, id, parseResult.GetRequiredValue(_region),
            parseResult.GetValue(_port) ?? UpOptions.DefaultEdgePort, originGrpc, edgeData, tokenFile, ServiceSettings.Read(parseResult).Settings);
    }

    private static async Task<int> RunAsync(ServiceDefinition definition, CliContext context)
    {
        await context.Out.WriteLineAsync($"{definition.Name}: {definition.ReadyUrl.GetLeftPart(UriPartial.Authority)}, data in {definition.DataDirectory}. Ctrl-C stops it.");
        return await ForegroundService.RunAsync(definition, context);
    }
}
