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
        Subcommands.Add(Verb(context, "list", "List the signing keys: when each was published, signs and retires.", static _ => ("GET", "/admin/v1/keys"), null));
        Subcommands.Add(Verb(context, "rotate", "Publish a new key; signing moves to it once every connected edge has it.", static _ => ("POST", "/admin/v1/keys/rotate"), null));
        var kid = new Argument<string>("KID") { Description = "The key id to revoke" };
        Subcommands.Add(Verb(context, "revoke", "Revoke a key at once: tokens it signed are refused everywhere.",
            parse => ("POST", $"/admin/v1/keys/{Uri.EscapeDataString(parse.GetRequiredValue(kid))}/revoke"), kid));
    }

    private static Command Verb(CliContext context, string name, string description, Func<ParseResult, (string Method, string Path)> target, Argument<string>? argument)
    {
        var connection = new AdminConnection();
        var command = new Command(name, description);
        if (argument is not null)
        {
            command.Arguments.Add(argument);
        }

        connection.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (method, path) = target(parseResult);
            using var admin = connection.Open(parseResult, context);
            var response = method == "GET" ? await admin.GetAsync(path, cancellationToken) : await admin.PostAsync(path, null, cancellationToken);
            if (!response.IsSuccess)
            {
                await context.Error.WriteLineAsync(ProblemReport.Format(response));
                return ExitCodes.Failed;
            }

            using var body = JsonDocument.Parse(response.Body);
            await context.Out.WriteLineAsync(JsonSerializer.Serialize(body.RootElement, s_indented));
            return ExitCodes.Success;
        });
        return command;
    }

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };
}
