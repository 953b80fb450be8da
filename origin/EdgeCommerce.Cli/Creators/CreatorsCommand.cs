using System.CommandLine;
using System.Globalization;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Creators;

/// <summary><c>creators</c>: every creator on the origin with its catalog revision and product count.</summary>
internal sealed class CreatorsCommand : Command
{
    private readonly AdminConnection _admin = new();

    public CreatorsCommand(CliContext context)
        : base("creators", "List the creators on the origin with their catalog revision and product count.")
    {
        _admin.AddTo(this);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        using var admin = _admin.Open(parseResult, context);
        var creators = await admin.GetCreatorsAsync(cancellationToken);
        if (creators.Count == 0)
        {
            await context.Out.WriteLineAsync("No creators yet. Push a catalog with `edgecommerce catalog push FILE --creator ID`.");
            return ExitCodes.Success;
        }

        var width = Math.Max("CREATOR".Length, creators.Max(static creator => creator.Id.Length));
        await context.Out.WriteLineAsync($"{"CREATOR".PadRight(width)}  {"REVISION",8}  {"PRODUCTS",8}");
        foreach (var creator in creators)
        {
            await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{creator.Id.PadRight(width)}  {creator.Revision,8}  {creator.Products,8}"));
        }

        return ExitCodes.Success;
    }
}
