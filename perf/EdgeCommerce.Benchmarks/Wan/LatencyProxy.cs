using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

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
internal sealed class LatencyProxy : IAsyncDisposable
{
    private const int SegmentBytes = 64 * 1024;

    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly int _seed;
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _pumps = [];
    private long _bytesUp;
    private long _bytesDown;
    private int _connections;

    /// <param name="target">Where to forward (a loopback <c>http://127.0.0.1:port</c>).</param>
    /// <param name="link">Down: target → client (toward the lower tier); up: client → target.</param>
    public LatencyProxy(string name, Uri target, WanLink link, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(target);
        Name = name;
        Link = link;
        _seed = seed;
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        _acceptLoop = AcceptLoopAsync();
    }

    public string Name { get; }

    public WanLink Link { get; }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}");

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Bytes forwarded toward the target (up) and toward the clients (down).</summary>
    public (long Up, long Down) Bytes => (Interlocked.Read(ref _bytesUp), Interlocked.Read(ref _bytesDown));

    public override string ToString() => $"{Name} ({Link}) → {_target}";

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        Socket[] open;
        lock (_sockets)
        {
            open = [.. _sockets];
        }

        foreach (var socket in open)
        {
            Reset(socket);
        }

        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        Task[] pumps;
        lock (_pumps)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var client = await _listener.AcceptAsync(_stopping.Token);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            try
            {
                // The connection itself is not delayed (a TCP handshake would cost one round trip
                // more): the clients here open a few long-lived connections, and their first
                // bytes (HTTP/2 preface, hello) are delayed like everything else.
                await server.ConnectAsync(_target, _stopping.Token);
            }
            catch (SocketException)
            {
                Reset(client);
                server.Dispose();
                continue;
            }

            var id = Interlocked.Increment(ref _connections);
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }

            var up = PumpAsync(client, server, Link.Up, new Random(_seed + (2 * id)), isUp: true);
            var down = PumpAsync(server, client, Link.Down, new Random(_seed + (2 * id) + 1), isUp: false);
            lock (_pumps)
            {
                _pumps.Add(Task.WhenAll(up, down).ContinueWith(_ => Close(client, server), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
            }
        }
    }

    private void Close(Socket client, Socket server)
    {
        lock (_sockets)
        {
            _sockets.Remove(client);
            _sockets.Remove(server);
        }

        client.Dispose();
        server.Dispose();
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
                    read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
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
            await foreach (var segment in queue.ReadAllAsync(_stopping.Token))
            {
                try
                {
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), segment.Due);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _stopping.Token);
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
                        sent += await to.SendAsync(segment.Buffer.AsMemory(sent, segment.Count - sent), SocketFlags.None, _stopping.Token);
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

    private static void Reset(Socket socket)
    {
        try
        {
            // Linger 0: Close sends RST instead of FIN.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private readonly record struct Segment(byte[] Buffer, int Count, long Due);
}
