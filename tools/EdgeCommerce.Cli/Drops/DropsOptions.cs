namespace EdgeCommerce.Cli.Drops;

/// <summary>Options the drop verbs share.</summary>
internal static class DropsOptions
{
    public static string Path(string creator, string? drop = null)
        => "/admin/v1/creators/" + Uri.EscapeDataString(creator) + "/drops" + (drop is null ? "" : "/" + Uri.EscapeDataString(drop));
}
