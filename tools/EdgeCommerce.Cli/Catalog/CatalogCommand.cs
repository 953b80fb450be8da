using System.CommandLine;

namespace EdgeCommerce.Cli.Catalog;

/// <summary><c>catalog</c>: a creator's catalog on the origin (<c>push</c>, <c>get</c>).</summary>
internal sealed class CatalogCommand : Command
{
    public CatalogCommand(CliContext context)
        : base("catalog", "Push or read a creator's catalog through the origin's admin API.")
    {
        Subcommands.Add(new CatalogPushCommand(context));
        Subcommands.Add(new CatalogGetCommand(context));
    }
}
