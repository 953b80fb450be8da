using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace EdgeCommerce.Tests.Common;

/// <summary>
/// A loopback TCP forwarder: listens on a free port, connects each client it accepts to the
/// target, and lets the derived type move the bytes (<see cref="ForwardAsync"/>); then closes both
/// sockets. A client is reset when the target refuses it, as the target would. Every open
/// connection can be cut at once (<see cref="CutAll"/>), and stopping cuts them all.
/// </summary>
public abstract class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<int, (Socket Client, Socket Server)> _connections = new();
    private readonly ConcurrentDictionary<int, Task> _forwarding = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _acceptLoop = Task.CompletedTask;
    private int _accepted;
    private int _cuts;

    protected TcpForwarder(IPEndPoint target)
    {
        Target = target;
        _listener.Start(512);
    }

    public IPEndPoint Target { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary>Connections accepted and forwarded so far.</summary>
    public int Connections => Volatile.Read(ref _accepted);

    /// <summary>How many connections were reset by <see cref="CutAll"/> so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Cancelled when the forwarder stops.</summary>
    protected CancellationToken Stopping => _stopping.Token;

    /// <summary>Resets every open connection now (RST both ways, as a crashed router would).</summary>
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

        await Task.WhenAll(_forwarding.Values);
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Starts accepting. A derived type calls it at the end of its constructor, once what
    /// <see cref="ForwardAsync"/> reads is set (clients that connect before wait in the backlog).
    /// </summary>
    protected void StartAccepting() => _acceptLoop = AcceptLoopAsync();

    /// <summary>
    /// Moves bytes both ways between <paramref name="client"/> and <paramref name="server"/> until
    /// both directions end; socket errors and <see cref="Stopping"/> end it too. <paramref name="id"/>
    /// numbers the connection from 1.
    /// </summary>
    protected abstract Task ForwardAsync(int id, Socket client, Socket server);

    /// <summary>An abrupt close: linger 0 makes Close send RST instead of FIN.</summary>
    protected static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
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
                await server.ConnectAsync(Target, _stopping.Token);
            }
            catch (SocketException)
            {
                Reset(client);
                server.Dispose();
                continue;
            }

            var id = Interlocked.Increment(ref _accepted);
            _connections[id] = (client, server);
            _forwarding[id] = RunAsync(id, client, server);
        }
    }

    private async Task RunAsync(int id, Socket client, Socket server)
    {
        try
        {
            await ForwardAsync(id, client, server);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Reset(client);
            Reset(server);
        }
        finally
        {
            _connections.TryRemove(id, out _);
            client.Dispose();
            server.Dispose();
            _forwarding.TryRemove(id, out _);
        }
    }
}
