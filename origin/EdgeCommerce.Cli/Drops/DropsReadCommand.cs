using System.CommandLine;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Drops;

/// <summary><c>drops get</c>, <c>drops list</c> and <c>drops cancel</c>: one request each, the origin's JSON answer printed as is.</summary>
internal sealed class DropsReadCommand : Command
{
    private readonly Option<string> _creator = CommonOptions.Id("--creator", "The creator whose drops these are");
    private readonly Option<string>? _drop;
    private readonly Option<string?> _token = DropsOptions.Token();
    private readonly Option<string> _data = CommonOptions.Data();
    private readonly Option<Uri?> _origin = CommonOptions.Origin();
    private readonly HttpMethod _method;

    private DropsReadCommand(CliContext context, string name, string description, HttpMethod method, bool oneDrop)
        : base(name, description)
    {
        _method = method;
        Options.Add(_creator);
        if (oneDrop)
        {
            _drop = CommonOptions.Id("--drop", "The drop's id");
            Options.Add(_drop);
        }

        Options.Add(_token);
        Options.Add(_data);
        Options.Add(_origin);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    public static DropsReadCommand Get(CliContext context)
        => new(context, "get", "Print a drop: phase, schedule, stock per SKU (sold, leased, available), RSVPs.", HttpMethod.Get, oneDrop: true);

    public static DropsReadCommand List(CliContext context)
        => new(context, "list", "Print a creator's drops with their phase and stock.", HttpMethod.Get, oneDrop: false);

    public static DropsReadCommand Cancel(CliContext context)
        => new(context, "cancel", "Cancel a drop: no more reservations; what was sold stays sold.", HttpMethod.Delete, oneDrop: true);

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        var creator = parseResult.GetRequiredValue(_creator);
        var drop = _drop is null ? null : parseResult.GetRequiredValue(_drop);
        var origin = OriginLocator.Resolve(parseResult.GetValue(_origin), context.ResolvePath(parseResult.GetRequiredValue(_data)));
        using var admin = new AdminClient(origin) { BearerToken = parseResult.GetValue(_token) };
        var response = _method == HttpMethod.Delete
            ? await admin.DeleteAsync(DropsOptions.Path(creator, drop), cancellationToken)
            : await admin.GetAsync(DropsOptions.Path(creator, drop), cancellationToken);
        if (!response.IsSuccess)
        {
            await context.Error.WriteLineAsync(ProblemReport.Format(response));
            return ExitCodes.Failed;
        }

        await context.Out.WriteLineAsync(response.Body);
        return ExitCodes.Success;
    }
}
