using System.Net;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Edges;

/// <summary>
/// Which public URLs an edge may announce in its hello. The URL is shown to viewers' browsers by
/// <c>/v1/edges/nearest</c>, so a holder of any edge token must not be able to steer them
/// elsewhere: <c>https://</c> (or <c>http://</c> on loopback) to a host on
/// <see cref="RoutingOptions.AllowedEdgeUrls"/>, nothing else.
/// </summary>
internal sealed class EdgeUrlPolicy(IOptionsMonitor<RoutingOptions> options)
{
    /// <summary>Why <paramref name="publicUrl"/> is refused, or null when it is accepted; an empty URL (an edge not offered to browsers) is accepted.</summary>
    public EdgeUrlRefusal? Check(string publicUrl)
    {
        if (publicUrl.Length == 0)
        {
            return null;
        }

        if (!Uri.TryCreate(publicUrl, UriKind.Absolute, out var uri) || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || uri.Host.Length == 0)
        {
            return new EdgeUrlRefusal(Malformed: true, "public_url must be an absolute http(s) URL without user info, query or fragment.");
        }

        var loopback = IsLoopback(uri);
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && loopback))
        {
            return new EdgeUrlRefusal(Malformed: true, "public_url must be https:// (http:// only on a loopback host).");
        }

        var allowed = options.CurrentValue.AllowedEdgeUrls;
        var host = uri.IdnHost.TrimEnd('.');
        if (allowed.Length == 0 ? loopback : allowed.Any(pattern => Matches(pattern, host)))
        {
            return null;
        }

        return new EdgeUrlRefusal(Malformed: false, "public_url names a host that Routing:AllowedEdgeUrls does not allow.");
    }

    internal static bool Matches(string pattern, string host)
    {
        pattern = pattern.Trim().TrimEnd('.');
        if (pattern == "*")
        {
            return true;
        }

        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = pattern[1..];
            return host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(pattern.Trim('[', ']'), host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLoopback(Uri uri)
        => uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}

/// <param name="Malformed">Not a usable URL at all (<c>INVALID_ARGUMENT</c>), rather than a host the operator did not allow (<c>PERMISSION_DENIED</c>).</param>
internal sealed record EdgeUrlRefusal(bool Malformed, string Detail);
