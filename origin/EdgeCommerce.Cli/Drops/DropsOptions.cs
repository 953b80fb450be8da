using System.CommandLine;

namespace EdgeCommerce.Cli.Drops;

/// <summary>Options the drop verbs share.</summary>
internal static class DropsOptions
{
    /// <summary>
    /// An access token with <c>admin:drops</c> (from <c>edgecommerce token</c>), or the
    /// <c>EDGECOMMERCE_TOKEN</c> environment variable. REVIEW: replaced by the CLI's own admin token
    /// once the admin API requires tokens everywhere (issue 4).
    /// </summary>
    public static Option<string?> Token() => new("--token")
    {
        Description = "An access token with admin:drops (default: $EDGECOMMERCE_TOKEN)",
        HelpName = "TOKEN",
        DefaultValueFactory = static _ => Environment.GetEnvironmentVariable("EDGECOMMERCE_TOKEN"),
    };

    public static string Path(string creator, string? drop = null)
        => "/admin/v1/creators/" + Uri.EscapeDataString(creator) + "/drops" + (drop is null ? "" : "/" + Uri.EscapeDataString(drop));
}
