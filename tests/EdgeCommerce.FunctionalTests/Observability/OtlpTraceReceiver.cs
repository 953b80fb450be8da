using System.Collections.Concurrent;
using System.Net;
using System.Text;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Observability;

/// <summary>One span as exported over OTLP (ids as hex; kind 2 = server, 3 = client).</summary>
internal sealed record ExportedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind);

/// <summary>
/// A minimal OTLP/HTTP (protobuf) trace receiver on loopback: accepts <c>POST /v1/traces</c> (and
/// answers anything else with 200 too, so metric and log exports do not retry), and decodes the
/// spans with a few lines of protobuf wire-format reading: no collector, no generated classes.
/// </summary>
internal sealed class OtlpTraceReceiver : IDisposable
{
    private readonly ConcurrentQueue<ExportedSpan> _spans = new();
    private readonly LoopbackHttpServer _server;

    public OtlpTraceReceiver() => _server = new LoopbackHttpServer(ReceiveAsync);

    public int Port => _server.Port;

    public string Endpoint => _server.Origin;

    public IReadOnlyList<ExportedSpan> Spans => [.. _spans];

    public void Dispose() => _server.Dispose();

    private async Task ReceiveAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        if (context.Request.Url?.AbsolutePath == "/v1/traces")
        {
            foreach (var span in ReadRequest(body.ToArray()))
            {
                _spans.Enqueue(span);
            }
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-protobuf";
        context.Response.Close();
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
    // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
    // Span { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5; SpanKind kind = 6; ... }
    internal static IEnumerable<ExportedSpan> ReadRequest(byte[] request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    yield return ReadSpan(span);
                }
            }
        }
    }

    private static ExportedSpan ReadSpan(byte[] span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        var position = 0;
        while (position < span.Length)
        {
            var (field, wireType) = ReadTag(span, ref position);
            if (wireType == 2)
            {
                var value = ReadBytes(span, ref position);
                switch (field)
                {
                    case 1: traceId = Convert.ToHexStringLower(value); break;
                    case 2: spanId = Convert.ToHexStringLower(value); break;
                    case 4: parent = Convert.ToHexStringLower(value); break;
                    case 5: name = Encoding.UTF8.GetString(value); break;
                }
            }
            else
            {
                var value = Skip(span, ref position, wireType);
                if (field == 6)
                {
                    kind = (int)value;
                }
            }
        }

        return new ExportedSpan(traceId, spanId, parent, name, kind);
    }

    /// <summary>The length-delimited values of field <paramref name="wanted"/> in a message.</summary>
    private static IEnumerable<byte[]> Fields(byte[] message, int wanted)
    {
        var position = 0;
        var found = new List<byte[]>();
        while (position < message.Length)
        {
            var (field, wireType) = ReadTag(message, ref position);
            if (wireType == 2)
            {
                var value = ReadBytes(message, ref position);
                if (field == wanted)
                {
                    found.Add(value);
                }
            }
            else
            {
                Skip(message, ref position, wireType);
            }
        }

        return found;
    }

    private static (int Field, int WireType) ReadTag(byte[] data, ref int position)
    {
        var tag = ReadVarint(data, ref position);
        return ((int)(tag >> 3), (int)(tag & 7));
    }

    private static byte[] ReadBytes(byte[] data, ref int position)
    {
        var length = (int)ReadVarint(data, ref position);
        var value = data.AsSpan(position, length).ToArray();
        position += length;
        return value;
    }

    private static ulong Skip(byte[] data, ref int position, int wireType)
    {
        switch (wireType)
        {
            case 0:
                return ReadVarint(data, ref position);
            case 1:
                position += 8;
                return 0;
            case 5:
                position += 4;
                return 0;
            default:
                throw new InvalidDataException("Unexpected protobuf wire type " + wireType);
        }
    }

    private static ulong ReadVarint(byte[] data, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[position++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new InvalidDataException("Malformed varint.");
    }
}
