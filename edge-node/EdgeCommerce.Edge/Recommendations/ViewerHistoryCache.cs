using EdgeCommerce.Contracts.Recommendations;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>
/// Each viewer's recent interactions on this edge, in a size-limited <see cref="MemoryCache"/>
/// (one unit per viewer, <c>Recommendations:MaxViewers</c> at most, sliding expiry), from which the
/// viewer features (<see cref="ViewerFeatures"/>, as at training) are computed per request with the
/// active model's item table. Bounded both ways:
/// viewers by the cache size, interactions per viewer by a ring.
/// </summary>
internal sealed class ViewerHistoryCache : IDisposable
{
    private readonly MemoryCache _cache;
    private readonly RecommendationsOptions _options;

    public ViewerHistoryCache(IOptions<RecommendationsOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.MaxViewers, Clock = new TimeProviderClock(time) });
    }

    public void Record(string viewerId, string itemKey, InteractionKind kind)
    {
        var recent = _cache.GetOrCreate(viewerId, entry =>
        {
            entry.Size = 1;
            entry.SlidingExpiration = _options.HistoryIdleExpiry;
            return new RecentInteractions(_options.HistoryPerViewer);
        })!;
        recent.Add(itemKey, kind);
    }

    /// <summary>Writes the viewer's features for <paramref name="model"/> into <paramref name="features"/>; a viewer with no (known) history gets the cold-start vector.</summary>
    public void Features(string viewerId, ModelDescription model, Span<float> features)
    {
        features = features[..model.ViewerDimension];
        ViewerFeatures.Reset(features);
        if (_cache.TryGetValue(viewerId, out RecentInteractions? recent) && recent is not null)
        {
            recent.Accumulate(model, features);
        }
    }

    /// <summary>How many interactions are held for a viewer (tests, status).</summary>
    public int Count(string viewerId) => _cache.TryGetValue(viewerId, out RecentInteractions? recent) && recent is not null ? recent.Count : 0;

    public void Dispose() => _cache.Dispose();

    private sealed class RecentInteractions(int capacity)
    {
        private readonly Lock _gate = new();
        private readonly (string Key, InteractionKind Kind)[] _ring = new (string, InteractionKind)[capacity];
        private int _next;
        private int _count;

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _count;
                }
            }
        }

        public void Add(string key, InteractionKind kind)
        {
            lock (_gate)
            {
                _ring[_next] = (key, kind);
                _next = (_next + 1) % _ring.Length;
                _count = Math.Min(_count + 1, _ring.Length);
            }
        }

        public void Accumulate(ModelDescription model, Span<float> features)
        {
            var total = 0f;
            lock (_gate)
            {
                for (var i = 0; i < _count; i++)
                {
                    var (key, kind) = _ring[i];
                    if (!model.Rows.TryGetValue(key, out var row))
                    {
                        continue;
                    }

                    var weight = model.KindWeights[(int)kind];
                    ViewerFeatures.Add(features, model.CategoryCount, model.ItemCategory[row], model.ItemPriceBucket[row], weight);
                    total += weight;
                }
            }

            ViewerFeatures.Normalize(features, total);
        }
    }

    private sealed class TimeProviderClock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
