using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Dialects.Sqlite;
using EdgeCommerce.Origin.Sync;
using EdgeCommerce.Tests.Common;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Benchmarks.Micro;

/// <summary>
/// The origin's work per catalog write before the sync streams serialize it: every stream (one per
/// edge) gets the changes after the revision it sent last, as a wire batch. Baseline: each stream
/// reads the store and parses the payloads itself (before <see cref="ChangeFeed"/>); the feed: the
/// first stream reads and parses, the others share that batch. A fresh feed per operation, so each
/// operation is a write the feed has not seen. A 10-product × 3-SKU catalog, as the propagation
/// benchmark writes.
/// </summary>
[MemoryDiagnoser]
public class ChangeFeedBenchmarks
{
    private TempDirectory? _directory;
    private OriginStore? _store;
    private long _before;

    /// <summary>Connected edges, one stream each.</summary>
    [Params(1, 16)]
    public int Streams { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = new TempDirectory("edgecommerce-bench-feed");
        _store = new OriginStore(new SqliteDialect(Options.Create(new StorageOptions { DataDirectory = _directory.Path })), new RevisionSignal(), TimeProvider.System, NullLogger<OriginStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
        for (var i = 1; i <= 20; i++)
        {
            var json = $"{{\"v\":{i}}}";
            var payload = CatalogFactory.Build("bench-c0", products: 10, skusPerProduct: 3, version: i).ToByteArray();
            var write = new CatalogWrite("bench-c0", json, SHA256.HashData(Encoding.UTF8.GetBytes(json)), 10, null, _ => payload);
            _before = (await _store.PutCatalogAsync(write, CancellationToken.None)).Revision - 1;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store?.Dispose();
        _directory?.Dispose();
    }

    /// <summary>Before: every stream reads the store and parses the payloads into its own batch.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> EachStreamReadsAndParses()
    {
        var changes = 0;
        for (var i = 0; i < Streams; i++)
        {
            var records = await _store!.ReadChangesAsync(_before, 256, CancellationToken.None);
            changes += ChangeFeed.ToBatch(_before, records).Changes.Count;
        }

        return changes;
    }

    /// <summary>Now: the streams share one read and one batch through the feed.</summary>
    [Benchmark]
    public async Task<int> StreamsShareTheFeed()
    {
        var feed = new ChangeFeed(_store!);
        var changes = 0;
        for (var i = 0; i < Streams; i++)
        {
            changes += (await feed.ReadAfterAsync(_before, 256, CancellationToken.None)).Batch!.Changes.Count;
        }

        return changes;
    }
}
