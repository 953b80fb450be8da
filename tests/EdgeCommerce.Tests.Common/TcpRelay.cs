using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace EdgeCommerce.Tests.Common;

/// <summary>
/// A loopback TCP relay between a client and a server that a test can cut at any moment: every
/// open connection is reset (RST) at once, as a crashed router or a flapping link would. New
/// connections keep being accepted, so the client can reconnect through it.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<int, (Socket Client, Socket Server)> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private int _nextId;
    private int _cuts;

    public TcpRelay(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary>How many connections were reset by <see cref="CutAll"/> so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Resets every open connection now.</summary>
    public int CutAll()
    {
        var cut = 0;
        foreach (var (id, pair) in _connections)
        {
            if (_connections.TryRemove(id, out _))
            {
                Reset(pair.Client);
                Reset(pair.Server);
                cut++;
            }
        }

        Interlocked.Add(ref _cuts, cut);
        return cut;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        CutAll();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stopping.Token);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            try
            {
                await server.ConnectAsync(_target, _stopping.Token);
            }
            catch (SocketException)
            {
                // Target down: refuse the client the way the target would.
                Reset(client);
                server.Dispose();
                continue;
            }

            var id = Interlocked.Increment(ref _nextId);
            _connections[id] = (client, server);
            _ = PumpAsync(id, client, server);
            _ = PumpAsync(id, server, client);
        }
    }

    private async Task PumpAsync(int id, Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stopping.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (_connections.TryRemove(id, out var pair))
            {
                Reset(pair.Client);
                Reset(pair.Server);
            }
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            // Linger 0 makes Close send RST instead of FIN: an abrupt cut, not a polite goodbye.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
