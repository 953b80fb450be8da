using System.CommandLine;
using System.Text.Json;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Keys;

/// <summary><c>keys list | rotate | revoke KID</c>: the origin's token signing keys.</summary>
internal sealed class KeysCommand : Command
{
    public KeysCommand(CliContext context)
        : base("keys", "List, rotate or revoke the origin's token signing keys.")
    {
        Subcommands.Add(AdminVerb.Create(context, "list", "List the signing keys: when each was published, signs and retires.", static _ => ("GET", "/admin/v1/keys"), human: List));
        Subcommands.Add(AdminVerb.Create(context, "rotate", "Publish a new key; signing moves to it once every connected edge has it.", static _ => ("POST", "/admin/v1/keys/rotate"),
            human: static answer => $"Published key {CliOutput.Text(answer, "keyId")}; signing moves to it once every connected edge has it (`keys list` shows when)."));
        var kid = new Argument<string>("KID") { Description = "The key id to revoke" };
        Subcommands.Add(AdminVerb.Create(context, "revoke", "Revoke a key at once: tokens it signed are refused everywhere.",
            parse => ("POST", $"/admin/v1/keys/{Uri.EscapeDataString(parse.GetRequiredValue(kid))}/revoke"), kid,
            static answer => $"Revoked key {CliOutput.Text(answer, "keyId")}: every token it signed is refused as soon as the edges apply the change."));
    }

    /// <summary>One row per key: its state first (signing, published, retired, revoked).</summary>
    internal static string List(JsonElement answer)
    {
        var table = new TextTable("KEY", "STATE", "CREATED", "SIGNING FROM", "RETIRES", "PUBLISHED AT");
        foreach (var key in CliOutput.Items(answer, "keys"))
        {
            var state = CliOutput.Flag(key, "revoked") ? "revoked" : CliOutput.Flag(key, "signing") ? "signing" : "published";
            table.Add(CliOutput.Text(key, "keyId"), state, CliOutput.Time(key, "createdAt"), CliOutput.Time(key, "signingFrom"), CliOutput.Time(key, "retireAt"),
                "revision " + CliOutput.Number(key, "publishedRevision"));
        }

        return $"Issuer {CliOutput.Text(answer, "issuer")}" + Environment.NewLine + table;
    }
}
