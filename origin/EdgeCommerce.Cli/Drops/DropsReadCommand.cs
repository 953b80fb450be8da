using System.CommandLine;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Drops;

/// <summary><c>drops get</c>, <c>drops list</c> and <c>drops cancel</c>: one request each, the origin's JSON answer printed as is.</summary>
internal sealed class DropsReadCommand : Command
{
    private readonly Option<string> _creator = CommonOptions.Id("--creator", "The creator whose drops these are");
    private readonly Option<string>? _drop;
    private readonly AdminConnection _admin = new();
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

        _admin.AddTo(this);
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
        using var admin = _admin.Open(parseResult, context);
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
