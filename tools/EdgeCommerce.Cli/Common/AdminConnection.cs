using System.CommandLine;

namespace EdgeCommerce.Cli.Common;

/// <summary>
/// The options every admin verb shares (<c>--data</c>, <c>--origin</c>, <c>--token</c>, <c>--json</c>) and how
/// they become an <see cref="AdminClient"/>: the origin from <c>--origin</c> or the stack's
/// <c>endpoints.json</c>; the token from <c>--token</c>, else <c>EDGECOMMERCE_TOKEN</c>, else the
/// platform operator token <c>up</c> wrote to <c>&lt;data&gt;/admin.token</c>.
/// </summary>
internal sealed class AdminConnection
{
    /// <summary>The environment variable holding an admin token for verbs run without <c>--token</c>.</summary>
    public const string TokenVariable = "EDGECOMMERCE_TOKEN";

    /// <summary>The file, in a stack's data directory, holding its platform operator token.</summary>
    public const string TokenFileName = "admin.token";

    public Option<string> Data { get; } = CommonOptions.Data();

    public Option<Uri?> Origin { get; } = CommonOptions.Origin();

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"An admin token for the origin (default: ${TokenVariable}, else <data>/{TokenFileName})",
        HelpName = "TOKEN",
    };

    /// <summary><c>--json</c>: every admin verb prints the API's answer with it (<see cref="CliOutput"/>).</summary>
    public Option<bool> Json { get; } = CliOutput.JsonOption();

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Data);
        command.Options.Add(Origin);
        command.Options.Add(Token);
        // A verb that declared its own --json first keeps it; WantsJson reads either by name.
        if (!command.Options.Any(option => option.Name == Json.Name))
        {
            command.Options.Add(Json);
        }
    }

    /// <summary>True when <c>--json</c> was given.</summary>
    public bool WantsJson(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        return parseResult.CommandResult.Command.Options.Any(option => option.Name == Json.Name) && parseResult.GetValue<bool>(Json.Name);
    }

    /// <exception cref="CliException">No origin can be found.</exception>
    public AdminClient Open(ParseResult parseResult, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(context);
        var dataDirectory = context.ResolvePath(parseResult.GetRequiredValue(Data));
        var origin = OriginLocator.Resolve(parseResult.GetValue(Origin), dataDirectory);
        var token = parseResult.GetValue(Token) is { Length: > 0 } given ? given
            : context.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim()
            : ReadTokenFile(Path.Combine(dataDirectory, TokenFileName));
        return new AdminClient(origin, token);
    }

    private static string? ReadTokenFile(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
