using System.Globalization;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Sync;
using Microsoft.AspNetCore.OutputCaching;

namespace EdgeCommerce.Edge.Catalog;

/// <summary>
/// Output-cache policy for widgets. The cache key carries the creator's catalog revision as read
/// from the replica when the request arrives, and the handler renders that same catalog object
/// (handed over in <see cref="HttpContext.Items"/>). So an entry for revision N can only hold
/// revision N's bytes, and once the replica moves to N+1 no request looks up key N again:
/// a render that races with the eviction can never leave a stale widget behind (no stale fill).
/// Tagging by creator lets the updater free superseded entries at once.
/// </summary>
internal sealed class WidgetCachePolicy : IOutputCachePolicy
{
    public const string Name = "widget";

    /// <summary>How long an entry may live without being evicted. Memory is bounded by the cache's size limit.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(10);

    private static readonly object s_catalogKey = new();

    public static string CreatorTag(string creatorId) => "creator:" + creatorId;

    /// <summary>The catalog the policy keyed this request by, for the handler to render.</summary>
    public static CreatorCatalog? CatalogFor(HttpContext context) => context.Items[s_catalogKey] as CreatorCatalog;

    ValueTask IOutputCachePolicy.CacheRequestAsync(OutputCacheContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var creatorId = http.GetRouteValue("creatorId") as string;
        var catalog = creatorId is null ? null : http.RequestServices.GetRequiredService<ReplicaHolder>().Current.Find(creatorId);
        var method = http.Request.Method;
        var cacheable = catalog is not null && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method));

        context.EnableOutputCaching = true;
        context.AllowCacheLookup = cacheable;
        context.AllowCacheStorage = cacheable;
        context.AllowLocking = true;
        context.ResponseExpirationTimeSpan = Duration;
        if (catalog is not null)
        {
            http.Items[s_catalogKey] = catalog;
            context.Tags.Add(CreatorTag(catalog.CreatorId));
            context.CacheVaryByRules.VaryByValues["rev"] = catalog.Revision.ToString(CultureInfo.InvariantCulture);
        }

        return ValueTask.CompletedTask;
    }

    ValueTask IOutputCachePolicy.ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellationToken)
        => ValueTask.CompletedTask;

    ValueTask IOutputCachePolicy.ServeResponseAsync(OutputCacheContext context, CancellationToken cancellationToken)
    {
        // Only whole widgets are worth keeping: not 304s, not errors.
        if (context.HttpContext.Response.StatusCode != StatusCodes.Status200OK)
        {
            context.AllowCacheStorage = false;
        }

        return ValueTask.CompletedTask;
    }
}
