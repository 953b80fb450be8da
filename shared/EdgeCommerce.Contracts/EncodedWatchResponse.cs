using Google.Protobuf;
using Grpc.Core;

namespace EdgeCommerce.Contracts.Sync;

/// <summary>
/// A response that can carry its own wire bytes: a batch that goes to every stream is encoded once
/// (<see cref="Encode"/>) and each stream's write copies those bytes instead of serializing the
/// message again (<see cref="SyncWire"/>'s marshaller). The bytes are what
/// <see cref="MessageExtensions.ToByteArray"/> gives, so the wire is unchanged.
/// </summary>
public sealed partial class WatchResponse
{
    private static long s_encodings;
    private byte[]? _encoded;

    /// <summary>How many messages were encoded ahead of their writes in this process (for tests and benchmarks).</summary>
    public static long Encodings => Interlocked.Read(ref s_encodings);

    /// <summary>The bytes <see cref="Encode"/> kept, or null.</summary>
    public byte[]? EncodedBytes => Volatile.Read(ref _encoded);

    /// <summary>
    /// Encodes the message now and keeps the bytes for every later write. Call it before the message
    /// is shared, and never change the message afterwards (the writes would send the old bytes).
    /// </summary>
    public WatchResponse Encode()
    {
        if (Volatile.Read(ref _encoded) is null)
        {
            Interlocked.Increment(ref s_encodings);
            Volatile.Write(ref _encoded, this.ToByteArray());
        }

        return this;
    }
}

/// <summary>
/// The <c>CatalogSync</c> methods as servers bind them (origin and relays): the same names and
/// messages as the generated ones, with a response marshaller that writes a pre-encoded
/// <see cref="WatchResponse"/>'s bytes as they are, so a batch shared by N streams costs one
/// serialization and N copies rather than N serializations.
/// </summary>
public static class SyncWire
{
    /// <summary>Writes <see cref="WatchResponse.EncodedBytes"/> when present, else serializes as the generated marshaller does.</summary>
    public static Marshaller<WatchResponse> ResponseMarshaller { get; } = Marshallers.Create(SerializeResponse, static context => WatchResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    /// <summary>
    /// The largest message an edge may send on a Sync stream, except a relay's report of the edges
    /// below it (bounded by the service's receive limit instead): a hello or an ack is a few hundred
    /// bytes, and a stream must not make the server buffer more for them.
    /// </summary>
    public const int MaxEdgeMessageBytes = 64 * 1024;

    private static Marshaller<EdgeMessage> EdgeMessageMarshaller { get; } = Marshallers.Create(static (EdgeMessage message, SerializationContext context) => SerializeMessage(message, context), DeserializeEdgeMessage);

    private static Marshaller<WatchRequest> WatchRequestMarshaller { get; } = Marshallers.Create(static (WatchRequest message, SerializationContext context) => SerializeMessage(message, context), static context => WatchRequest.Parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    /// <summary>Protocol 1, server streaming.</summary>
    public static Method<WatchRequest, WatchResponse> Watch { get; } = new(MethodType.ServerStreaming, "edgecommerce.sync.v1.CatalogSync", "Watch", WatchRequestMarshaller, ResponseMarshaller);

    /// <summary>Protocol 2, bidirectional.</summary>
    public static Method<EdgeMessage, WatchResponse> Sync { get; } = new(MethodType.DuplexStreaming, "edgecommerce.sync.v1.CatalogSync", "Sync", EdgeMessageMarshaller, ResponseMarshaller);

    /// <summary>
    /// Binds a <c>CatalogSync</c> implementation with these methods; name it in the service's
    /// <see cref="BindServiceMethodAttribute"/> through a static <c>BindService(ServiceBinderBase, TService)</c>
    /// of its own (grpc-dotnet looks the method up by the service's type and passes no instance).
    /// </summary>
    public static void Bind(ServiceBinderBase binder, CatalogSync.CatalogSyncBase? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(Watch, service is null ? null : new ServerStreamingServerMethod<WatchRequest, WatchResponse>(service.Watch));
        binder.AddMethod(Sync, service is null ? null : new DuplexStreamingServerMethod<EdgeMessage, WatchResponse>(service.Sync));
    }

    /// <summary>
    /// Parses an edge's message; one over <see cref="MaxEdgeMessageBytes"/> that is not a downstream
    /// report is refused with <c>RESOURCE_EXHAUSTED</c>, as the framework's receive limit would.
    /// </summary>
    private static EdgeMessage DeserializeEdgeMessage(DeserializationContext context)
    {
        if (context.PayloadLength <= MaxEdgeMessageBytes)
        {
            return EdgeMessage.Parser.ParseFrom(context.PayloadAsReadOnlySequence());
        }

        EdgeMessage? message;
        try
        {
            message = EdgeMessage.Parser.ParseFrom(context.PayloadAsReadOnlySequence());
        }
        catch (InvalidProtocolBufferException)
        {
            message = null;
        }

        return message is { KindCase: EdgeMessage.KindOneofCase.Downstream }
            ? message
            : throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Only a relay's downstream report may be larger than {MaxEdgeMessageBytes} bytes."));
    }

    private static void SerializeResponse(WatchResponse message, SerializationContext context)
    {
        if (message.EncodedBytes is { } encoded)
        {
            context.Complete(encoded);
            return;
        }

        SerializeMessage(message, context);
    }

    private static void SerializeMessage(IMessage message, SerializationContext context)
    {
        // What the generated marshaller does: size first, then straight into gRPC's buffer.
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
