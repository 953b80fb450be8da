using System.CommandLine;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Drops;

/// <summary><c>drops put FILE --creator ID --drop ID</c>: schedules a drop, or edits it before it opens, as one revision.</summary>
internal sealed class DropsPutCommand : Command
{
    /// <summary>The document's shape, shown by <c>drops put --help</c> (docs/examples/drop.json is the same).</summary>
    internal const string DocumentShape = """
        Schedule a drop from a JSON file, or edit it before it opens; prints the revision.

        The drop document (docs/examples/drop.json):
          {
            "title": "Tour hoodie drop",              1-200 characters
            "startsAt": "2030-01-15T19:00:00Z",      ISO 8601 with an offset; in the future
            "endsAt": "2030-01-15T21:00:00Z",        after startsAt
            "earlyAccess": {"minutes": 10, "audience": "rsvp"},   optional; audience "rsvp" or "tier:NAME"
            "perViewerLimit": 2,                      units one viewer may hold or buy
            "allocations": [{"skuId": "nova-hoodie-01-m", "units": 40}]   SKUs of the creator's catalog
          }
        """;

    private readonly Argument<string> _file = new("FILE") { Description = "The drop JSON document (shape above), or - for standard input" };
    private readonly Option<string> _creator = CommonOptions.Id("--creator", "The creator whose drop this is");
    private readonly Option<string> _drop = CommonOptions.Id("--drop", "The drop's id (global: edges route by it)");
    private readonly AdminConnection _admin = new();

    public DropsPutCommand(CliContext context)
        : base("put", DocumentShape)
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
            document = file == "-" ? await context.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(context.ResolvePath(file), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Unable to read the drop file {file}: {ex.Message}", ex);
        }

        using var admin = _admin.Open(parseResult, context);
        var response = await admin.PutAsync(DropsOptions.Path(creator, drop), document, cancellationToken);
        return await CliOutput.WriteAnswerAsync(context, response, _admin.WantsJson(parseResult),
            answer => $"Drop {drop} of {creator}: {CliOutput.Text(answer, "outcome")} at revision {CliOutput.Number(answer, "revision")}. See it with `edgecommerce drops get --creator {creator} --drop {drop}`.");
    }
}
