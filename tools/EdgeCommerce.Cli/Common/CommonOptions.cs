using System.CommandLine;
using System.Globalization;
using EdgeCommerce.Contracts;

namespace EdgeCommerce.Cli.Common;

/// <summary>Options shared by several verbs, built fresh for each command (an option belongs to one parent).</summary>
internal static class CommonOptions
{
    /// <summary>The data directory of a local stack when <c>--data</c> is not given.</summary>
    public const string DefaultDataDirectory = ".edgecommerce";

    /// <summary><c>--data DIR</c>: where a stack keeps its data, logs and <c>endpoints.json</c>.</summary>
    public static Option<string> Data() => new("--data")
    {
        Description = "The stack's data directory (data, logs, endpoints.json)",
        HelpName = "DIR",
        DefaultValueFactory = static _ => DefaultDataDirectory,
    };

    /// <summary><c>--origin URL</c>: the origin's admin URL, overriding the one in <c>endpoints.json</c>.</summary>
    public static Option<Uri?> Origin() => HttpUrl("--origin", "The origin's HTTP URL (default: the origin in <data>/endpoints.json)");

    /// <summary>An absolute http(s) URL, validated at parse time so a typo is a usage error.</summary>
    public static Option<Uri?> HttpUrl(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "URL",
        CustomParser = static result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            result.AddError($"'{text}' is not an absolute http:// or https:// URL.");
            return null;
        },
    };

    /// <summary>A TCP port, 1-65535.</summary>
    public static Option<int?> Port(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "PORT",
        CustomParser = result => ParseInt(result, name, 1, 65535, "a TCP port"),
    };

    /// <summary>
    /// Parses one integer token within [<paramref name="min"/>, <paramref name="max"/>]. A custom
    /// parser rather than a validator: validators also run when conversion failed, and reading the
    /// value there throws.
    /// </summary>
    public static int? ParseInt(System.CommandLine.Parsing.ArgumentResult result, string name, int min, int max, string what)
    {
        ArgumentNullException.ThrowIfNull(result);

        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be {what} from {min} to {max}; got '{text}'."));
        return null;
    }

    /// <summary>A required id (creator, edge) that must follow the shared id rule.</summary>
    public static Option<string> Id(string name, string description)
    {
        var option = new Option<string>(name) { Description = description, HelpName = "ID", Required = true };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value is not null && !Identifiers.IsValid(value))
            {
                result.AddError($"{name} '{value}' {Identifiers.Rule}.");
            }
        });
        return option;
    }
}
