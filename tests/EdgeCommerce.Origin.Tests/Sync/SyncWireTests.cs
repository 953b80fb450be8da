using System.Buffers;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Sync;
using EdgeCommerce.Origin.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Origin.Tests.Sync;

/// <summary>Encode once: a batch every stream shares is serialized once, and each write copies those bytes.</summary>
public sealed class SyncWireTests(OriginApiFixture fixture) : IClassFixture<OriginApiFixture>
{
    [Fact]
    public void Origin_BindsSyncAndWatch_WithTheEncodeOnceMarshaller()
    {
        // Arrange: would catch the service bound through the generated methods again (each write serializing).
        var methods = fixture.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(static endpoint => endpoint.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method)
            .OfType<IMethod>()
            .Where(static method => method.ServiceName == "edgecommerce.sync.v1.CatalogSync")
            .ToList();

        // Act
        var sync = Assert.Single(methods, static method => method.Name == "Sync");
        var watch = Assert.Single(methods, static method => method.Name == "Watch");

        // Assert
        Assert.Same(SyncWire.Sync, sync);
        Assert.Same(SyncWire.Watch, watch);
    }

    [Fact]
    public void ResponseMarshaller_EncodedResponse_WritesTheKeptBytesAsTheyAre()
    {
        // Arrange: changing the message after Encode is forbidden in the code; here it proves that
        // the write sends the kept bytes rather than serializing the message again.
        var response = new WatchResponse { Changes = new ChangeBatch { PreviousRevision = 4, Revision = 5 } }.Encode();
        var kept = response.EncodedBytes!;
        response.Changes.Revision = 6;
        var context = new CapturingContext();

        // Act
        SyncWire.ResponseMarshaller.ContextualSerializer(response, context);

        // Assert
        Assert.Same(kept, context.Completed);
        Assert.Equal(5, WatchResponse.Parser.ParseFrom(context.Completed).Changes.Revision);
    }

    [Fact]
    public void ResponseMarshaller_MessageNotEncoded_SerializesItLikeTheGeneratedMarshaller()
    {
        // Arrange: heartbeats and snapshots are per stream and go through the ordinary path.
        var response = new WatchResponse { Heartbeat = new Heartbeat { HeadRevision = 9, ClusterId = "c" } };
        var context = new CapturingContext();

        // Act
        SyncWire.ResponseMarshaller.ContextualSerializer(response, context);

        // Assert
        Assert.Null(context.Completed);
        Assert.Equal(response.ToByteArray(), context.Written.WrittenSpan.ToArray());
    }

    [Fact(Timeout = 30_000)]
    public async Task ChangeFeed_SixteenStreamsAfterOneWrite_ShareOneEncoding()
    {
        // Arrange: would catch a feed that hands out a batch to be serialized per stream again.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var store = await TestOriginStore.CreateAsync(cancellationToken);
        var before = await store.PutAsync("creator-a", "v1", cancellationToken);
        await store.PutAsync("creator-a", "v2", cancellationToken);
        var feed = new ChangeFeed(store.Store);

        // Act
        var reads = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => feed.ReadAfterAsync(before, 256, cancellationToken), cancellationToken)));

        // Assert
        var bytes = reads[0].Response!.EncodedBytes;
        Assert.NotNull(bytes);
        Assert.All(reads, read => Assert.Same(bytes, read.Response!.EncodedBytes));
        Assert.Equal(new WatchResponse { Changes = reads[0].Batch!.Clone() }.ToByteArray(), bytes);
    }

    [Fact]
    public void EdgeMessageMarshaller_OverTheEdgeLimit_OnlyARelaysDownstreamReportIsRead()
    {
        // Arrange: would catch every stream allowed the relays' receive limit (megabytes of acks
        // buffered per stream), or a relay's report of many edges refused like an oversized ack.
        var report = new DownstreamReport();
        for (var i = 0; report.CalculateSize() <= SyncWire.MaxEdgeMessageBytes; i++)
        {
            report.Edges.Add(new DownstreamEdge { EdgeId = $"edge-{i:D5}", Region = "eu-west", PublicUrl = $"https://edge-{i:D5}.example.com", AppliedRevision = i });
        }

        var bigReport = new EdgeMessage { Downstream = report }.ToByteArray();
        var bigAck = new EdgeMessage { Ack = new Ack { AppliedRevision = 1, Rejection = new Rejection { Reason = new string('x', SyncWire.MaxEdgeMessageBytes) } } }.ToByteArray();
        var deserialize = SyncWire.Sync.RequestMarshaller.ContextualDeserializer;

        // Act
        var read = deserialize(new PayloadContext(bigReport));
        var refused = Assert.Throws<RpcException>(() => deserialize(new PayloadContext(bigAck)));

        // Assert
        Assert.Equal(report.Edges.Count, read.Downstream.Edges.Count);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
    }

    private sealed class PayloadContext(byte[] payload) : DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => (byte[])payload.Clone();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }

    private sealed class CapturingContext : SerializationContext
    {
        public byte[]? Completed { get; private set; }

        public ArrayBufferWriter<byte> Written { get; } = new();

        public override void Complete(byte[] payload) => Completed = payload;

        public override void SetPayloadLength(int payloadLength)
        {
        }

        public override IBufferWriter<byte> GetBufferWriter() => Written;

        public override void Complete()
        {
        }
    }
}
