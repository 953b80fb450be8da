using Microsoft.AspNetCore.OutputCaching;

namespace EdgeCommerce.Edge.Tests.Infrastructure;

/// <summary>An output cache that holds nothing, for driving the updater without a host.</summary>
internal sealed class NullOutputCacheStore : IOutputCacheStore
{
    public ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken) => ValueTask.FromResult<byte[]?>(null);

    public ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
