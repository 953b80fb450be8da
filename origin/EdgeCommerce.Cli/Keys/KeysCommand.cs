using System.CommandLine;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Keys;

/// <summary><c>keys list | rotate | revoke KID</c>: the origin's token signing keys.</summary>
internal sealed class KeysCommand : Command
{
    public KeysCommand(CliContext context)
        : base("keys", "List, rotate or revoke the origin's token signing keys.")
    {
        Subcommands.Add(AdminVerb.Create(context, "list", "List the signing keys: when each was published, signs and retires.", static _ => ("GET", "/admin/v1/keys")));
        Subcommands.Add(AdminVerb.Create(context, "rotate", "Publish a new key; signing moves to it once every connected edge has it.", static _ => ("POST", "/admin/v1/keys/rotate")));
        var kid = new Argument<string>("KID") { Description = "The key id to revoke" };
        Subcommands.Add(AdminVerb.Create(context, "revoke", "Revoke a key at once: tokens it signed are refused everywhere.",
            parse => ("POST", $"/admin/v1/keys/{Uri.EscapeDataString(parse.GetRequiredValue(kid))}/revoke"), kid));
    }
}
