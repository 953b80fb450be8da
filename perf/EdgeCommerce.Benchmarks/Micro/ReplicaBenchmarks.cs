using BenchmarkDotNet.Attributes;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Catalog;
using EdgeCommerce.Edge.Sync;
using Google.Protobuf;

namespace EdgeCommerce.Benchmarks.Micro;

/// <summary>
/// The per-write CPU of one catalog change of 100 products (3 SKUs each), step by step as it
/// travels: the origin parses the stored payload and gRPC serializes the batch (once per stream,
/// i.e. per edge), the edge parses it, applies it to a replica of 1,000 creators and renders the
/// widget on the next request.
/// </summary>
[MemoryDiagnoser]
public class ReplicaBenchmarks
{
    private CatalogReplica _replica = CatalogReplica.Empty;
    private ChangeBatch _batch = new();
    private CreatorCatalog _catalog = new();
    private byte[] _payload = [];
    private byte[] _message = [];

    [GlobalSetup]
    public void Setup()
    {
        var snapshot = new Contracts.Sync.Snapshot { Revision = 1_000 };
        for (var i = 0; i < 1_000; i++)
        {
            snapshot.Creators.Add(CatalogFactory.Build($"creator-{i:D5}", products: 10, skusPerProduct: 3, version: 1, revision: i + 1));
        }

        _replica = CatalogReplica.Empty.ApplySnapshot(snapshot).Replica;
        _catalog = CatalogFactory.Build("creator-00500", products: 100, skusPerProduct: 3, version: 2, revision: 1_001);
        _payload = _catalog.ToByteArray();
        _batch = new ChangeBatch { PreviousRevision = 1_000, Revision = 1_001 };
        _batch.Changes.Add(new Change { Revision = 1_001, CatalogUpserted = _catalog });
        _message = new WatchResponse { Changes = _batch }.ToByteArray();
    }

    /// <summary>Origin, per stream: the stored protobuf payload parsed into the batch (ChangeFeed.ToBatch; once per revision since the feed is shared, once per stream before).</summary>
    [Benchmark]
    public CreatorCatalog OriginParsePayload() => CreatorCatalog.Parser.ParseFrom(_payload);

    /// <summary>Origin, per stream: the batch serialized for the wire (what gRPC does on WriteAsync).</summary>
    [Benchmark]
    public byte[] OriginSerializeBatch() => new WatchResponse { Changes = _batch }.ToByteArray();

    /// <summary>Edge: the message parsed off the wire.</summary>
    [Benchmark]
    public WatchResponse EdgeParseMessage() => WatchResponse.Parser.ParseFrom(_message);

    /// <summary>Edge: <c>CatalogReplica.ApplyBatch</c> into a 1,000-creator replica (a new immutable replica).</summary>
    [Benchmark]
    public long EdgeApplyBatch() => _replica.ApplyBatch(_batch).Replica.Revision;

    /// <summary>Edge: the widget JSON for the 100-product catalog (a cache miss after the change).</summary>
    [Benchmark]
    public byte[] EdgeRenderWidget() => WidgetRenderer.RenderJson(_catalog);
}
