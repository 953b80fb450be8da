using System.CommandLine;

namespace EdgeCommerce.Cli.Drops;

/// <summary><c>drops</c>: a creator's drops on the origin (<c>put</c>, <c>get</c>, <c>list</c>, <c>cancel</c>, <c>report</c>).</summary>
internal sealed class DropsCommand : Command
{
    public DropsCommand(CliContext context)
        : base("drops", "Schedule, edit (before it opens), read, list, cancel and report on a creator's drops through the origin's admin API.")
    {
        Subcommands.Add(new DropsPutCommand(context));
        Subcommands.Add(DropsReadCommand.Get(context));
        Subcommands.Add(DropsReadCommand.List(context));
        Subcommands.Add(DropsReadCommand.Cancel(context));
        Subcommands.Add(new DropsReportCommand(context));
    }
}
