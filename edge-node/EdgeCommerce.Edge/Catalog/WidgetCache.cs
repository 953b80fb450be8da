using System.Runtime.CompilerServices;
using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Catalog;

/// <summary>
/// Widgets rendered once per creator revision. The key is the replica's immutable catalog object
/// itself: a catalog object <em>is</em> one creator at one revision, the replica keeps the object
/// of every creator that did not change, and a new revision is a new object. So:
/// <list type="bullet">
/// <item>no stale fill: the bytes of an entry were rendered from its key, and a request that took
/// the replica's catalog for revision N gets N's bytes, whatever the updater does meanwhile;</item>
/// <item>no eviction to get wrong: when the replica drops a catalog (a newer revision, a deleted
/// creator), the garbage collector drops its rendering with it, so memory is bounded by the
/// replica (one rendering per creator held);</item>
/// <item>coalescing: concurrent misses on one catalog share one <see cref="Lazy{T}"/>, so the
/// widget is rendered once and the others wait for those bytes.</item>
/// </list>
/// Lookups are lock-free (<see cref="ConditionalWeakTable{TKey,TValue}"/> reads take no lock).
/// </summary>
internal sealed class WidgetCache(WidgetMetrics metrics, TimeProvider timeProvider)
{
    private readonly ConditionalWeakTable<CreatorCatalog, Lazy<RenderedWidget>> _rendered = [];

    /// <summary>The rendering of <paramref name="catalog"/>; <paramref name="hit"/> is false when this call rendered it.</summary>
    public RenderedWidget Get(CreatorCatalog catalog, out bool hit)
    {
        if (_rendered.TryGetValue(catalog, out var existing))
        {
            hit = true;
            return existing.Value;
        }

        var mine = new Lazy<RenderedWidget>(() => Render(catalog), LazyThreadSafetyMode.ExecutionAndPublication);
        if (_rendered.TryAdd(catalog, mine))
        {
            hit = false;
            return mine.Value;
        }

        // Another request added it first: share its rendering (it may still be in progress).
        hit = true;
        return _rendered.TryGetValue(catalog, out existing) ? existing.Value : mine.Value;
    }

    private RenderedWidget Render(CreatorCatalog catalog)
    {
        var started = timeProvider.GetTimestamp();
        var widget = new RenderedWidget(catalog);
        metrics.RecordRender(timeProvider.GetElapsedTime(started));
        return widget;
    }
}
