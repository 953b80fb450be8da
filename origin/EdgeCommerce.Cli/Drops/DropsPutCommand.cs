using System.CommandLine;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Drops;

/// <summary><c>drops put FILE --creator ID --drop ID</c>: schedules a drop, or edits it before it opens, as one revision.</summary>
internal sealed class DropsPutCommand : Command
{
    private readonly Argument<string> _file = new("FILE") { Description = "The drop JSON document ({\"title\", \"startsAt\", \"endsAt\", \"earlyAccess\", \"perViewerLimit\", \"allocations\"}), or - for standard input" };
    private readonly Option<string> _creator = CommonOptions.Id("--creator", "The creator whose drop this is");
    private readonly Option<string> _drop = CommonOptions.Id("--drop", "The drop's id (global: edges route by it)");
    private readonly AdminConnection _admin = new();

    public DropsPutCommand(CliContext context)
        : base("put", "Schedule a drop from a JSON file, or edit it before it opens; prints the revision.")
    {
        Arguments.Add(_file);
        Options.Add(_creator);
        Options.Add(_drop);
        _admin.AddTo(this);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        var creator = parseResult.GetRequiredValue(_creator);
        var drop = parseResult.GetRequiredValue(_drop);
        var file = parseResult.GetRequiredValue(_file);
        string document;
        try
        {
            document = file == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(context.ResolvePath(file), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Unable to read the drop file {file}: {ex.Message}", ex);
        }

        using var admin = _admin.Open(parseResult, context);
        var response = await admin.PutAsync(DropsOptions.Path(creator, drop), document, cancellationToken);
        if (!response.IsSuccess)
        {
            await context.Error.WriteLineAsync(ProblemReport.Format(response));
            return ExitCodes.Failed;
        }

        await context.Out.WriteLineAsync($"Drop {drop} of {creator}: {response.Body}");
        return ExitCodes.Success;
    }
}
