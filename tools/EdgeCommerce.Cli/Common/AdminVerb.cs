using System.CommandLine;
using System.Text.Json;

namespace EdgeCommerce.Cli.Common;

/// <summary>
/// A verb that is one admin call: GET or POST (no body) to a path built from its arguments; the
/// answer printed the <see cref="CliOutput"/> way (a table or sentence from <c>human</c>, the JSON
/// with <c>--json</c>), a problem printed to standard error with exit code 1. What <c>keys</c>,
/// <c>models</c> and <c>edges</c> subcommands are made of.
/// </summary>
internal static class AdminVerb
{
    /// <param name="human">Renders the answer for people; null prints the JSON either way.</param>
    public static Command Create(CliContext context, string name, string description, Func<ParseResult, (string Method, string Path)> target, Argument<string>? argument = null,
        Func<JsonElement, string>? human = null)
    {
        ArgumentNullException.ThrowIfNull(target);
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
            var response = method switch
            {
                "GET" => await admin.GetAsync(path, cancellationToken),
                "DELETE" => await admin.DeleteAsync(path, cancellationToken),
                _ => await admin.PostAsync(path, null, cancellationToken),
            };
            return await CliOutput.WriteAnswerAsync(context, response, connection.WantsJson(parseResult) || human is null, human ?? CliOutput.FormatJson);
        });
        return command;
    }
}
