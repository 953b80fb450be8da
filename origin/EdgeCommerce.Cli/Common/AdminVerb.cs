using System.CommandLine;
using System.Text.Json;

namespace EdgeCommerce.Cli.Common;

/// <summary>
/// A verb that is one admin call: GET or POST (no body) to a path built from its arguments, the
/// JSON answer printed indented, a problem printed to standard error with exit code 1. What
/// <c>keys</c> and <c>models</c> are made of.
/// </summary>
internal static class AdminVerb
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public static Command Create(CliContext context, string name, string description, Func<ParseResult, (string Method, string Path)> target, Argument<string>? argument = null)
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
}
