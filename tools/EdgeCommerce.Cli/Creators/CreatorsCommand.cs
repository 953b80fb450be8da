using System.CommandLine;
using System.Globalization;
using System.Net;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Creators;

/// <summary>
/// <c>creators</c>: every creator on the origin with its catalog revision and product count;
/// <c>creators delete ID [--yes]</c> removes one everywhere, after asking.
/// </summary>
internal sealed class CreatorsCommand : Command
{
    private readonly AdminConnection _admin = new();

    public CreatorsCommand(CliContext context)
        : base("creators", "List the creators on the origin with their catalog revision and product count.")
    {
        _admin.AddTo(this);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
        Subcommands.Add(new CreatorsDeleteCommand(context));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        using var admin = _admin.Open(parseResult, context);
        if (_admin.WantsJson(parseResult))
        {
            return await CliOutput.WriteAnswerAsync(context, await admin.ListCreatorsAsync(cancellationToken), json: true, CliOutput.FormatJson);
        }

        var creators = await admin.GetCreatorsAsync(cancellationToken);
        if (creators.Count == 0)
        {
            await context.Out.WriteLineAsync("No creators yet. Push a catalog with `edgecommerce catalog push FILE --creator ID --create`.");
            return ExitCodes.Success;
        }

        var table = new TextTable("CREATOR", "REVISION", "PRODUCTS");
        foreach (var creator in creators)
        {
            table.Add(creator.Id, creator.Revision.ToString(CultureInfo.InvariantCulture), creator.Products.ToString(CultureInfo.InvariantCulture));
        }

        await context.Out.WriteLineAsync(table.ToString());
        return ExitCodes.Success;
    }
}

/// <summary><c>creators delete ID [--yes]</c>: asks first (unless <c>--yes</c>): the creator's catalog, drops and shop go from every edge.</summary>
internal sealed class CreatorsDeleteCommand : Command
{
    private readonly Argument<string> _id = new("ID") { Description = "The creator to delete" };
    private readonly Option<bool> _yes = new("--yes", "-y") { Description = "Do not ask: delete at once (scripts)" };
    private readonly AdminConnection _admin = new();

    public CreatorsDeleteCommand(CliContext context)
        : base("delete", "Delete a creator everywhere: catalog, drops and shop on every edge. Asks unless --yes.")
    {
        Arguments.Add(_id);
        Options.Add(_yes);
        _admin.AddTo(this);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        var id = parseResult.GetRequiredValue(_id);
        using var admin = _admin.Open(parseResult, context);
        if (!await CreatorLookup.ExistsAsync(admin, id, cancellationToken))
        {
            throw new CliException($"No creator '{id}' on {admin.Origin}.{await CreatorLookup.DidYouMeanAsync(admin, id, cancellationToken)}");
        }

        if (!parseResult.GetValue(_yes))
        {
            // The question goes to standard error, so standard output stays the answer (or the JSON).
            await context.Error.WriteAsync($"Delete creator '{id}' with its catalog, drops and shop on every edge? This cannot be undone. [y/N] ");
            var answer = (await context.In.ReadLineAsync(cancellationToken))?.Trim();
            if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
            {
                await context.Error.WriteLineAsync(answer is null ? "No answer; nothing deleted (pass --yes to delete without asking)." : "Nothing deleted.");
                return ExitCodes.Failed;
            }
        }

        var response = await admin.DeleteAsync("/admin/v1/creators/" + Uri.EscapeDataString(id), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new CliException($"No creator '{id}' on {admin.Origin} (deleted meanwhile?).");
        }

        return await CliOutput.WriteAnswerAsync(context, response, _admin.WantsJson(parseResult),
            static answer => $"Deleted creator {CliOutput.Text(answer, "creatorId")} at revision {CliOutput.Number(answer, "revision")}; the edges drop it as they apply that revision.");
    }
}
