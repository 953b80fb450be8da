using System.Net;
using System.Net.Sockets;

namespace EdgeCommerce.Cli.Services;

/// <summary>
/// Chooses loopback ports for the services of one stack: the preferred port when it is free,
/// otherwise any free one. A taken port is no failure. Ports handed out once are never handed out
/// again, so two services of the same stack cannot be given the same one.
/// </summary>
/// <remarks>
/// A port found free here can still be taken before the child binds it; the child then fails to
/// start and <c>up</c> reports which service died and why (see its log).
/// </remarks>
internal sealed class PortAllocator
{
    private readonly HashSet<int> _assigned = [];

    /// <summary>A free port: <paramref name="preferred"/> when it is free and not yet handed out, otherwise one the system picks.</summary>
    public int Allocate(int? preferred)
    {
        if (preferred is { } port && !_assigned.Contains(port) && IsFree(port))
        {
            _assigned.Add(port);
            return port;
        }

        while (true)
        {
            var any = AnyFreePort();
            if (_assigned.Add(any))
            {
                return any;
            }
        }
    }

    /// <summary>True when nothing listens on <paramref name="port"/> on the loopback address.</summary>
    public static bool IsFree(int port)
    {
        // Binding alone is not proof: a socket with SO_REUSEADDR (as .NET sets on Unix) can bind
        // next to another process's listener that set it too. A connection that succeeds is.
        if (SomethingListens(port))
        {
            return false;
        }

        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool SomethingListens(int port)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Loopback answers at once: a connection, or a reset when nothing listens.
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int AnyFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
