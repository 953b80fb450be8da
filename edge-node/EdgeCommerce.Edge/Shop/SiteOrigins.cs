using System.Collections.Frozen;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Shop;

/// <summary>
/// Which web origins belong to which creator's site (<see cref="ShopOptions.AllowedOrigins"/>),
/// normalized once at startup; lookups allocate nothing. One CORS policy per creator is built
/// here too, and an empty one for everything else.
/// </summary>
internal sealed class SiteOrigins
{
    /// <summary>Request headers a creator's site may send to the edge's viewer endpoints.</summary>
    internal static readonly string[] AllowedHeaders = ["Authorization", "Content-Type", "Idempotency-Key", "Queue-Ticket"];

    /// <summary>Response headers a creator's site may read.</summary>
    internal static readonly string[] ExposedHeaders = ["Location", "Retry-After", "Idempotent-Replayed", "ETag", "X-Catalog-Revision"];

    private readonly FrozenDictionary<string, FrozenSet<string>> _byCreator;
    private readonly FrozenDictionary<string, CorsPolicy> _policies;

    public SiteOrigins(IOptions<ShopOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _byCreator = options.Value.AllowedOrigins.ToFrozenDictionary(
            static pair => pair.Key,
            static pair => (pair.Value ?? []).Select(Normalize).OfType<string>().ToFrozenSet(StringComparer.OrdinalIgnoreCase),
            StringComparer.Ordinal);
        _policies = _byCreator.ToFrozenDictionary(static pair => pair.Key, static pair => BuildPolicy(pair.Value), StringComparer.Ordinal);
    }

    /// <summary>A policy that allows no origin: what an unknown creator, drop or request gets.</summary>
    public static CorsPolicy Nobody { get; } = BuildPolicy([]);

    /// <summary>The creator's site origins (normalized), or none.</summary>
    public IReadOnlyCollection<string> For(string creatorId) => _byCreator.GetValueOrDefault(creatorId) ?? (IReadOnlyCollection<string>)[];

    public bool IsAllowed(string creatorId, string? origin)
        => origin is not null && _byCreator.TryGetValue(creatorId, out var origins) && origins.Contains(origin);

    public CorsPolicy PolicyFor(string? creatorId) => creatorId is not null && _policies.TryGetValue(creatorId, out var policy) ? policy : Nobody;

    /// <summary>
    /// For endpoints that answer before the CORS middleware (the short-circuited widget): adds
    /// <c>Access-Control-Allow-Origin</c> when the request's one <c>Origin</c> is this creator's
    /// site. Otherwise nothing: the browser keeps the response from the other site's script.
    /// </summary>
    public void AllowIfSite(HttpContext context, string creatorId)
    {
        var origin = context.Request.Headers.Origin;
        if (origin.Count == 1 && IsAllowed(creatorId, origin[0]))
        {
            context.Response.Headers.AccessControlAllowOrigin = origin;
            context.Response.Headers.AccessControlExposeHeaders = "ETag, X-Catalog-Revision";
        }
    }

    /// <summary>
    /// <c>scheme://host[:port]</c> in lower case (default ports dropped), as browsers send it in
    /// <c>Origin</c>; null when <paramref name="value"/> is not an acceptable origin.
    /// </summary>
    internal static string? Normalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Contains('*', StringComparison.Ordinal)
            || !Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri)
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.AbsolutePath != "/")
        {
            return null;
        }

        var secure = uri.Scheme == Uri.UriSchemeHttps;
        if (!secure && !(uri.Scheme == Uri.UriSchemeHttp && ShopOptionsValidator.IsLoopback(uri)))
        {
            return null;
        }

        return uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped).ToLowerInvariant();
    }

    private static CorsPolicy BuildPolicy(IEnumerable<string> origins)
        => new CorsPolicyBuilder()
            .WithOrigins([.. origins])
            .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete)
            .WithHeaders(AllowedHeaders)
            .WithExposedHeaders(ExposedHeaders)
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10))
            .Build();
}
