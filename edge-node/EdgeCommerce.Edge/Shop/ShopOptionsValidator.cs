using System.Net;
using EdgeCommerce.Contracts;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Shop;

/// <summary>
/// Every allowed origin is an origin (scheme, host, port; no path, query, fragment or user
/// info), <c>https</c> unless the host is loopback, and never a wildcard: a typo must stop the
/// edge at startup rather than open the shop to every site.
/// </summary>
internal sealed class ShopOptionsValidator : IValidateOptions<ShopOptions>
{
    public ValidateOptionsResult Validate(string? name, ShopOptions options)
    {
        var failures = new List<string>();
        foreach (var (creatorId, origins) in options.AllowedOrigins)
        {
            var key = $"{ShopOptions.SectionName}:{nameof(ShopOptions.AllowedOrigins)}:{creatorId}";
            if (!Identifiers.IsValid(creatorId))
            {
                failures.Add($"{key}: the creator id {Identifiers.Rule}.");
            }

            foreach (var origin in origins ?? [])
            {
                if (SiteOrigins.Normalize(origin) is null)
                {
                    failures.Add($"{key}: '{origin}' must be a web origin such as https://creator.example (http only on loopback; no path, query, wildcard or user info).");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsLoopback(Uri uri)
        => uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
