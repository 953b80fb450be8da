using System.Globalization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Edge.Catalog;
using EdgeCommerce.Edge.Sync;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Net.Http.Headers;

namespace EdgeCommerce.Edge.Shop;

/// <summary>
/// Output caching of a creator's public drop list (<c>/v1/creators/{creatorId}/drops</c>): one
/// answer, computed once, shared by every viewer of the creator's page until it could change.
/// </summary>
/// <remarks>
/// The list is public and the same for every viewer: nothing personal is read, keyed or stored.
/// Everything the answer depends on is in the key, so an entry never answers for a later state:
/// <list type="bullet">
/// <item>the replica's cluster and revision: a catalog or drop change is a new revision, so a new
/// key. A request that read revision N stores an answer rendered from N or later under N, never an
/// older one, so an update landing between reading and storing cannot leave a stale entry;</item>
/// <item>the next instant at which the answer changes with no revision (a phase boundary or a
/// hold's end, by the injected clock): from then on requests compute another key, and an answer
/// rendered at or after it is not stored;</item>
/// <item>the request's <c>Origin</c>: the answer's CORS headers depend on it.</item>
/// </list>
/// Entries carry the creator's tag (<see cref="CatalogCacheTags"/>), which the replica's updater
/// evicts when the creator changes: the key has moved on by then, so eviction frees memory sooner.
/// Only 200 answers are stored (a 404 or 503 must not outlive the catalog's arrival).
/// </remarks>
internal sealed class CreatorDropsCachePolicy : IOutputCachePolicy
{
    public static readonly CreatorDropsCachePolicy Instance = new();

    /// <summary>How long an entry may sit unused; correctness does not depend on it (see above).</summary>
    internal static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private const string UntilKey = "until";
    private const string Never = "never";

    ValueTask IOutputCachePolicy.CacheRequestAsync(OutputCacheContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        if ((!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            || http.Request.RouteValues["creatorId"] is not string creatorId || !Identifiers.IsValid(creatorId))
        {
            return ValueTask.CompletedTask;
        }

        var replica = http.RequestServices.GetRequiredService<ReplicaHolder>().Current;
        var until = NextChange(replica, creatorId, http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
        context.EnableOutputCaching = true;
        context.AllowCacheLookup = true;
        context.AllowCacheStorage = true;
        context.AllowLocking = true;
        context.ResponseExpirationTimeSpan = Lifetime;
        context.Tags.Add(CatalogCacheTags.Creator(creatorId));
        context.CacheVaryByRules.HeaderNames = HeaderNames.Origin;
        var vary = context.CacheVaryByRules.VaryByValues;
        vary["cluster"] = replica.ClusterId;
        vary["revision"] = replica.Revision.ToString(CultureInfo.InvariantCulture);
        vary[UntilKey] = until is { } at ? at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) : Never;
        return ValueTask.CompletedTask;
    }

    ValueTask IOutputCachePolicy.ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    ValueTask IOutputCachePolicy.ServeResponseAsync(OutputCacheContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        if (http.Response.StatusCode != StatusCodes.Status200OK
            || http.Response.Headers.SetCookie.Count > 0
            || (context.CacheVaryByRules.VaryByValues.TryGetValue(UntilKey, out var until) && until != Never
                && http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds() >= long.Parse(until, CultureInfo.InvariantCulture)))
        {
            context.AllowCacheStorage = false;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The first instant after <paramref name="now"/> at which the creator's list may read otherwise without a new revision.</summary>
    internal static DateTimeOffset? NextChange(CatalogReplica replica, string creatorId, DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (var drop in replica.Drops.Values)
        {
            if (!string.Equals(drop.CreatorId, creatorId, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var at in (ReadOnlySpan<DateTimeOffset?>)[DropPhases.NextChange(drop, now), DropStock.NextHoldEnd(drop, now)])
            {
                if (at is { } instant && (next is null || instant < next))
                {
                    next = instant;
                }
            }
        }

        return next;
    }
}
