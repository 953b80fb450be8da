using System.Net;
using System.Net.Sockets;

namespace EdgeCommerce.Tests.Common;

/// <summary>
/// A loopback TCP relay between a client and a server that a test can cut at any moment
/// (<see cref="TcpForwarder.CutAll"/>): every open connection is reset at once, as a crashed
/// router or a flapping link would. New connections keep being accepted, so the client can
/// reconnect through it.
/// </summary>
public sealed class TcpRelay : TcpForwarder
{
    public TcpRelay(int targetPort)
        : base(new IPEndPoint(IPAddress.Loopback, targetPort))
    {
        StartAccepting();
    }

    protected override Task ForwardAsync(int id, Socket client, Socket server)
        => Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client));

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, Stopping);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, Stopping);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // One side failed or was cut: cut the other too, as a broken path would.
            Reset(from);
            Reset(to);
        }
    }
}
