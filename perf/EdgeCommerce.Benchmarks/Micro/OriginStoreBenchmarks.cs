using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Dialects.Sqlite;
using EdgeCommerce.Tests.Common;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Benchmarks.Micro;

/// <summary>
/// The origin store on this machine's disk: the durable write behind every admin PUT
/// (<c>synchronous=FULL</c>: an fsync per commit) and the change-log read the sync streams need
/// after each write (one for all of them since <c>ChangeFeed</c>; see <see cref="ChangeFeedBenchmarks"/>).
/// </summary>
[MemoryDiagnoser]
public class OriginStoreBenchmarks
{
    private TempDirectory? _directory;
    private OriginStore? _store;
    private byte[] _payload = [];
    private long _head;
    private int _version;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = new TempDirectory("edgecommerce-bench-store");
        _store = new OriginStore(new SqliteDialect(Options.Create(new StorageOptions { DataDirectory = _directory.Path })), new RevisionSignal(), TimeProvider.System, NullLogger<OriginStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
        _payload = CatalogFactory.Build("bench-c0", products: 10, skusPerProduct: 3, version: 1).ToByteArray();
        for (var i = 0; i < 100; i++)
        {
            await PutAsync();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store?.Dispose();
        _directory?.Dispose();
    }

    /// <summary>What the streams need after a write: the changes after the revision they last sent.</summary>
    [Benchmark]
    public async Task<int> ReadLatestChange() => (await _store!.ReadChangesAsync(_head - 1, 256, CancellationToken.None)).Count;

    /// <summary>A catalog write: one BEGIN IMMEDIATE transaction, committed with an fsync.</summary>
    [Benchmark]
    public Task<long> PutCatalog() => PutAsync();

    private async Task<long> PutAsync()
    {
        var version = Interlocked.Increment(ref _version);
        var json = $"{{\"v\":{version}}}";
        var write = new CatalogWrite("bench-c0", json, SHA256.HashData(Encoding.UTF8.GetBytes(json)), 10, null, _ => _payload);
        var result = await _store!.PutCatalogAsync(write, CancellationToken.None);
        _head = result.Revision;
        return result.Revision;
    }
}
