using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Microsoft.AspNetCore.OutputCaching;

namespace EdgeCommerce.Edge.Tests.Infrastructure;

/// <summary>
/// Wraps the real output-cache store and records what the middleware and the updater ask of it:
/// hits and stores per request path, and evicted tags. Implements the buffer-store interface too so
/// the middleware keeps the path it takes in production.
/// </summary>
internal sealed class CountingOutputCacheStore(IOutputCacheStore inner) : IOutputCacheBufferStore
{
    private readonly ConcurrentQueue<string> _hitKeys = new();
    private readonly ConcurrentQueue<string> _storedKeys = new();
    private readonly ConcurrentQueue<string> _evictedTags = new();

    public IReadOnlyList<string> EvictedTags => [.. _evictedTags];

    /// <summary>Lookups of <paramref name="path"/> answered from the cache.</summary>
    public int HitsFor(string path) => _hitKeys.Count(key => IsKeyOf(key, path));

    /// <summary>Responses of <paramref name="path"/> written to the cache.</summary>
    public int StoresFor(string path) => _storedKeys.Count(key => IsKeyOf(key, path));

    public async ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken)
    {
        _evictedTags.Enqueue(tag);
        await inner.EvictByTagAsync(tag, cancellationToken);
    }

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var value = await inner.GetAsync(key, cancellationToken);
        if (value is not null)
        {
            _hitKeys.Enqueue(key);
        }

        return value;
    }

    public async ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken)
    {
        _storedKeys.Enqueue(key);
        await inner.SetAsync(key, value, tags, validFor, cancellationToken);
    }

    public async ValueTask<bool> TryGetAsync(string key, PipeWriter destination, CancellationToken cancellationToken)
    {
        bool found;
        if (inner is IOutputCacheBufferStore buffers)
        {
            found = await buffers.TryGetAsync(key, destination, cancellationToken);
        }
        else
        {
            var value = await inner.GetAsync(key, cancellationToken);
            found = value is not null;
            if (found)
            {
                await destination.WriteAsync(value, cancellationToken);
            }
        }

        if (found)
        {
            _hitKeys.Enqueue(key);
        }

        return found;
    }

    public async ValueTask SetAsync(string key, ReadOnlySequence<byte> value, ReadOnlyMemory<string> tags, TimeSpan validFor, CancellationToken cancellationToken)
    {
        _storedKeys.Enqueue(key);
        if (inner is IOutputCacheBufferStore buffers)
        {
            await buffers.SetAsync(key, value, tags, validFor, cancellationToken);
        }
        else
        {
            await inner.SetAsync(key, value.ToArray(), tags.ToArray(), validFor, cancellationToken);
        }
    }

    // Keys hold the request path as is (the edge's output cache is case-sensitive) followed by a separator.
    private static bool IsKeyOf(string key, string path)
        => key.Contains(path + "\u001e", StringComparison.Ordinal) || key.EndsWith(path, StringComparison.Ordinal);
}
