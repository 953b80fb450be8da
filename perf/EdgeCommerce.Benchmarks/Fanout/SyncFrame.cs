using System.Buffers;
using System.Text;
using EdgeCommerce.Contracts.Sync;
using Grpc.Core;

namespace EdgeCommerce.Benchmarks.Fanout;

/// <summary>
/// What a simulated edge reads of a <see cref="WatchResponse"/>: its kind and revisions, taken
/// straight from the protobuf wire (the generated contract's field numbers) without building the
/// catalogs it carries. A simulated edge applies nothing, and parsing every catalog thousands of
/// times per write in one client process would measure the client, not the origin.
/// </summary>
internal sealed class SyncFrame
{
    private SyncFrame(WatchResponse.KindOneofCase kind, long revision, long previousRevision, string? clusterId)
    {
        Kind = kind;
        Revision = revision;
        PreviousRevision = previousRevision;
        ClusterId = clusterId;
    }

    public WatchResponse.KindOneofCase Kind { get; }

    /// <summary>Changes: the batch's revision; heartbeat: the head; snapshot begin/end (and a v1 snapshot): its revision.</summary>
    public long Revision { get; }

    /// <summary>Changes only: the revision the batch follows.</summary>
    public long PreviousRevision { get; }

    /// <summary>Heartbeat only, when set.</summary>
    public string? ClusterId { get; }

    /// <summary>The real <c>CatalogSync.Sync</c> method, reading responses as frames.</summary>
    public static Method<EdgeMessage, SyncFrame> SyncMethod { get; } = new(
        MethodType.DuplexStreaming,
        CatalogSync.Descriptor.FullName,
        "Sync",
        Marshallers.Create<EdgeMessage>(
            static (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                Google.Protobuf.MessageExtensions.WriteTo(message, context.GetBufferWriter());
                context.Complete();
            },
            static context => EdgeMessage.Parser.ParseFrom(context.PayloadAsReadOnlySequence())),
        Marshallers.Create<SyncFrame>(
            static (_, _) => throw new NotSupportedException("Frames are only read."),
            static context => Parse(context.PayloadAsReadOnlySequence())));

    public static SyncFrame Parse(ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
        {
            return Parse(payload.FirstSpan);
        }

        var rented = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        try
        {
            payload.CopyTo(rented);
            return Parse(rented.AsSpan(0, (int)payload.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Reads the one field of the <c>kind</c> oneof a response carries, and the header fields of that message.</summary>
    public static SyncFrame Parse(ReadOnlySpan<byte> message)
    {
        var kind = WatchResponse.KindOneofCase.None;
        long revision = 0;
        long previous = 0;
        string? clusterId = null;
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var field = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            if (wireType != 2)
            {
                Skip(message, ref position, wireType);
                continue;
            }

            var length = (int)ReadVarint(message, ref position);
            var body = message.Slice(position, length);
            position += length;
            kind = field switch
            {
                WatchResponse.ChangesFieldNumber => WatchResponse.KindOneofCase.Changes,
                WatchResponse.HeartbeatFieldNumber => WatchResponse.KindOneofCase.Heartbeat,
                WatchResponse.SnapshotBeginFieldNumber => WatchResponse.KindOneofCase.SnapshotBegin,
                WatchResponse.SnapshotChunkFieldNumber => WatchResponse.KindOneofCase.SnapshotChunk,
                WatchResponse.SnapshotEndFieldNumber => WatchResponse.KindOneofCase.SnapshotEnd,
                WatchResponse.SnapshotFieldNumber => WatchResponse.KindOneofCase.Snapshot,
                WatchResponse.ModelChunkFieldNumber => WatchResponse.KindOneofCase.ModelChunk,
                WatchResponse.TokenRenewalFieldNumber => WatchResponse.KindOneofCase.TokenRenewal,
                _ => kind,
            };
            switch (kind)
            {
                case WatchResponse.KindOneofCase.Changes:
                    // ChangeBatch: previous_revision = 1, revision = 2.
                    previous = Int64Field(body, ChangeBatch.PreviousRevisionFieldNumber);
                    revision = Int64Field(body, ChangeBatch.RevisionFieldNumber);
                    break;
                case WatchResponse.KindOneofCase.Heartbeat:
                    revision = Int64Field(body, Heartbeat.HeadRevisionFieldNumber);
                    clusterId = StringField(body, Heartbeat.ClusterIdFieldNumber);
                    break;
                case WatchResponse.KindOneofCase.SnapshotBegin:
                case WatchResponse.KindOneofCase.SnapshotEnd:
                case WatchResponse.KindOneofCase.Snapshot:
                    // SnapshotBegin, SnapshotEnd and Snapshot all carry revision = 1.
                    revision = Int64Field(body, SnapshotEnd.RevisionFieldNumber);
                    break;
            }
        }

        return new SyncFrame(kind, revision, previous, clusterId);
    }

    private static long Int64Field(ReadOnlySpan<byte> message, int number)
    {
        var position = 0;
        long value = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            if ((int)(tag >> 3) == number && (tag & 7) == 0)
            {
                // Last one wins, as protobuf parsers do.
                value = (long)ReadVarint(message, ref position);
            }
            else
            {
                Skip(message, ref position, (int)(tag & 7));
            }
        }

        return value;
    }

    private static string? StringField(ReadOnlySpan<byte> message, int number)
    {
        var position = 0;
        string? value = null;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            if ((int)(tag >> 3) == number && (tag & 7) == 2)
            {
                var length = (int)ReadVarint(message, ref position);
                value = Encoding.UTF8.GetString(message.Slice(position, length));
                position += length;
            }
            else
            {
                Skip(message, ref position, (int)(tag & 7));
            }
        }

        return value;
    }

    private static void Skip(ReadOnlySpan<byte> message, ref int position, int wireType)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint(message, ref position);
                break;
            case 1:
                position += 8;
                break;
            case 2:
                // Read the length first: `position += ReadVarint(ref position)` would add it to the position before the length.
                var length = (int)ReadVarint(message, ref position);
                position += length;
                break;
            case 5:
                position += 4;
                break;
            default:
                throw new InvalidDataException($"Unsupported protobuf wire type {wireType}.");
        }

        if (position > message.Length)
        {
            throw new InvalidDataException("A protobuf field runs past the end of the message.");
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= message.Length)
            {
                throw new InvalidDataException("A protobuf varint runs past the end of the message.");
            }

            var b = message[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("A protobuf varint is longer than 10 bytes.");
    }
}
