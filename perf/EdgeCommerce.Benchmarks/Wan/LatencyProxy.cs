using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Benchmarks.Wan;

/// <summary>
/// A loopback TCP proxy that delays what it forwards, one latency per direction, in user space
/// (this kernel has no netem). Each connection gets two pumps; a pump reads what arrives, stamps
/// it with a due time (now + the direction's delay and jitter, but never before the segment ahead
/// of it) and a single writer sends the segments in arrival order at their due times. Bytes are
/// never reordered or altered, so any protocol over it, HTTP/2 included, works unchanged: the proxy
/// does not parse anything. It reads eagerly (no back-pressure of its own), so a link has the given
/// latency and no bandwidth limit; what is in flight waits in memory. A half-close is passed on after
/// the data ahead of it; an error on either side resets both.
/// </summary>
internal sealed class LatencyProxy : TcpForwarder
{
    private const int SegmentBytes = 64 * 1024;

    private readonly int _seed;
    private long _bytesUp;
    private long _bytesDown;

    /// <param name="target">Where to forward (a loopback <c>http://127.0.0.1:port</c>).</param>
    /// <param name="link">Down: target → client (toward the lower tier); up: client → target.</param>
    public LatencyProxy(string name, Uri target, WanLink link, int seed = 0)
        : base(EndpointOf(target))
    {
        Name = name;
        Link = link;
        _seed = seed;
        StartAccepting();
    }

    public string Name { get; }

    public WanLink Link { get; }

    /// <summary>Bytes forwarded toward the target (up) and toward the clients (down).</summary>
    public (long Up, long Down) Bytes => (Interlocked.Read(ref _bytesUp), Interlocked.Read(ref _bytesDown));

    public override string ToString() => $"{Name} ({Link}) → {Target}";

    // The connection itself is not delayed (a TCP handshake would cost one round trip more): the
    // clients here open a few long-lived connections, and their first bytes (HTTP/2 preface,
    // hello) are delayed like everything else.
    protected override Task ForwardAsync(int id, Socket client, Socket server)
        => Task.WhenAll(
            PumpAsync(client, server, Link.Up, new Random(_seed + (2 * id)), isUp: true),
            PumpAsync(server, client, Link.Down, new Random(_seed + (2 * id) + 1), isUp: false));

    private static IPEndPoint EndpointOf(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
    }

    /// <summary>Reads <paramref name="from"/> and queues each segment with its due time; the writer sends them in order.</summary>
    private async Task PumpAsync(Socket from, Socket to, LinkLatency latency, Random random, bool isUp)
    {
        var queue = Channel.CreateUnbounded<Segment>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = WriteAsync(queue.Reader, from, to, isUp);
        var lastDue = 0L;
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(SegmentBytes);
                int read;
                try
                {
                    read = await from.ReceiveAsync(buffer, SocketFlags.None, Stopping);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }

                // Never before the segment ahead: jitter delays, it does not reorder.
                var due = Math.Max(lastDue, Stopwatch.GetTimestamp() + (long)(latency.Draw(random).TotalSeconds * Stopwatch.Frequency));
                lastDue = due;
                queue.Writer.TryWrite(new Segment(buffer, read, due));
                if (read == 0)
                {
                    break;
                }
            }

            queue.Writer.TryComplete();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            queue.Writer.TryComplete(ex);
        }

        await writer;
    }

    private async Task WriteAsync(ChannelReader<Segment> queue, Socket from, Socket to, bool isUp)
    {
        try
        {
            await foreach (var segment in queue.ReadAllAsync(Stopping))
            {
                try
                {
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), segment.Due);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, Stopping);
                    }

                    if (segment.Count == 0)
                    {
                        // The sender closed its side: pass the FIN on, after everything it sent.
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    var sent = 0;
                    while (sent < segment.Count)
                    {
                        sent += await to.SendAsync(segment.Buffer.AsMemory(sent, segment.Count - sent), SocketFlags.None, Stopping);
                    }

                    Interlocked.Add(ref isUp ? ref _bytesUp : ref _bytesDown, segment.Count);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(segment.Buffer);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or ChannelClosedException)
        {
            // Either side failed (or the proxy stops): an abrupt cut on both, as a broken path would.
            Reset(from);
            Reset(to);
            while (queue.TryRead(out var left))
            {
                ArrayPool<byte>.Shared.Return(left.Buffer);
            }
        }
    }

    private readonly record struct Segment(byte[] Buffer, int Count, long Due);
}
