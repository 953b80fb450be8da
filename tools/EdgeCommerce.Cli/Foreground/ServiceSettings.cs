using System.CommandLine;
using System.Text.RegularExpressions;

namespace EdgeCommerce.Cli.Foreground;

/// <summary>
/// Settings given to <c>origin</c> and <c>edge</c> the ASP.NET Core way
/// (<c>--Drops:LeaseDuration=00:00:30</c>): passed to the service unchanged, after the CLI's own
/// settings so they win. Any other unknown word is still a usage error.
/// </summary>
internal static partial class ServiceSettings
{
    /// <summary>Lets the command accept words it does not know; <see cref="Read"/> then checks them.</summary>
    public static void AcceptSettings(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.TreatUnmatchedTokensAsErrors = false;
    }

    /// <summary>The settings as <c>Section:Key=value</c> (no leading dashes), or the first word that is not one.</summary>
    public static (IReadOnlyList<string> Settings, string? Error) Read(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var settings = new List<string>();
        foreach (var token in parseResult.UnmatchedTokens)
        {
            if (!SettingPattern().IsMatch(token))
            {
                return ([], $"Unrecognized command or argument '{token}'. A service setting is written --Section:Key=value (e.g. --Drops:LeaseDuration=00:00:30).");
            }

            settings.Add(token[2..]);
        }

        return (settings, null);
    }

    /// <summary><c>--Name(:Name)*=value</c>: configuration keys are letters, digits, '_' and '.'; the value may be empty.</summary>
    [GeneratedRegex(@"^--[A-Za-z][A-Za-z0-9_.]*(:[A-Za-z0-9_.]+)*=.*$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex SettingPattern();
}
