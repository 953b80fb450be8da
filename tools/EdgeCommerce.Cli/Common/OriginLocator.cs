namespace EdgeCommerce.Cli.Common;

/// <summary>Finds the origin an admin verb talks to: <c>--origin</c>, else the running stack's <c>endpoints.json</c>.</summary>
internal static class OriginLocator
{
    /// <exception cref="CliException">Neither names an origin.</exception>
    public static Uri Resolve(Uri? originOption, string dataDirectory)
    {
        if (originOption is not null)
        {
            return originOption;
        }

        var endpoints = EndpointsFile.Read(dataDirectory)
            ?? throw new CliException(
                $"No origin to talk to: {EndpointsFile.PathIn(dataDirectory)} does not exist. "
                + "Start a local stack with `edgecommerce up` (or pass its --data DIR), or name the origin with --origin URL.");

        return new Uri(endpoints.Origin);
    }
}
