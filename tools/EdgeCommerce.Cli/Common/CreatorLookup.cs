using System.Net;

namespace EdgeCommerce.Cli.Common;

/// <summary>Whether a creator exists at the origin, and which existing one a mistyped id probably meant.</summary>
internal static class CreatorLookup
{
    /// <summary>
    /// True when the origin holds <paramref name="creatorId"/>. Asks for its catalog rather than
    /// the list of every creator, so a token scoped to one creator can ask too (another creator's
    /// answers 404 like a missing one).
    /// </summary>
    /// <exception cref="CliException">The origin answered neither 200 nor 404.</exception>
    public static async Task<bool> ExistsAsync(AdminClient admin, string creatorId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var response = await admin.GetCatalogAsync(creatorId, cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.NotFound => false,
            _ => throw new CliException($"Unable to check creator '{creatorId}':{Environment.NewLine}{ProblemReport.Format(response)}"),
        };
    }

    /// <summary>" Did you mean 'nova-threads'?" for the closest existing creator, or "" (also when the list cannot be read).</summary>
    public static async Task<string> DidYouMeanAsync(AdminClient admin, string creatorId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var response = await admin.ListCreatorsAsync(cancellationToken);
        if (!response.IsSuccess)
        {
            return "";
        }

        try
        {
            var creators = System.Text.Json.JsonSerializer.Deserialize(response.Body, CliJsonContext.Default.CreatorList)?.Creators ?? [];
            return Suggestions.Closest(creatorId, creators.Select(static creator => creator.Id)) is { } closest ? $" Did you mean '{closest}'?" : "";
        }
        catch (System.Text.Json.JsonException)
        {
            return "";
        }
    }
}
