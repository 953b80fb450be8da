using System.CommandLine;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Services;
using EdgeCommerce.Cli.Up;

namespace EdgeCommerce.Cli.Foreground;

/// <summary><c>origin</c>: the origin alone, in the foreground, for operators and deployments.</summary>
internal sealed class OriginCommand : Command
{
    private readonly Option<string> _data = CommonOptions.Data();
    private readonly Option<int?> _port = CommonOptions.Port("--port", "The HTTP port (health, admin API); default 5080");
    private readonly Option<int?> _grpcPort = CommonOptions.Port("--grpc-port", "The gRPC sync port edges connect to; default 5081");

    public OriginCommand(CliContext context)
        : base("origin", "Run the origin in the foreground (SQLite under <data>/origin) until Ctrl-C or SIGTERM. Any setting can follow as --Section:Key=value.")
    {
        Options.Add(_data);
        Options.Add(_port);
        Options.Add(_grpcPort);
        ServiceSettings.AcceptSettings(this);
        SetAction(async (parseResult, _) =>
        {
            if (ServiceSettings.Read(parseResult).Error is { } error)
            {
                await context.Error.WriteLineAsync(error);
                return ExitCodes.UsageError;
            }

            return await RunAsync(Bind(parseResult, context), DataDirectory(parseResult, context), context);
        });
    }

    internal ServiceDefinition Bind(ParseResult parseResult, CliContext context)
    {
        var data = DataDirectory(parseResult, context);
        var assembly = ServiceBinaries.FromEnvironment(context).Require(ServiceBinaries.OriginProject);
        return ServiceDefinitions.Origin(assembly,
            parseResult.GetValue(_port) ?? UpOptions.DefaultOriginPort,
            parseResult.GetValue(_grpcPort) ?? UpOptions.DefaultGrpcPort,
            Path.Combine(data, "origin"),
            Path.Combine(data, AdminConnection.TokenFileName),
            ServiceSettings.Read(parseResult).Settings);
    }

    private string DataDirectory(ParseResult parseResult, CliContext context) => context.ResolvePath(parseResult.GetRequiredValue(_data));

    private static async Task<int> RunAsync(ServiceDefinition definition, string dataDirectory, CliContext context)
    {
        using var dataLock = DataDirectoryLock.Acquire(dataDirectory);
        await context.Out.WriteLineAsync($"origin: {definition.ReadyUrl.GetLeftPart(UriPartial.Authority)}, data in {definition.DataDirectory}. Ctrl-C stops it.");
        return await ForegroundService.RunAsync(definition, context);
    }
}
