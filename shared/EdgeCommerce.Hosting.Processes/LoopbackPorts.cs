using System.Net;
using System.Net.Sockets;

namespace EdgeCommerce.Hosting.Processes;

/// <summary>Free loopback TCP ports for services that must be told their port before they start.</summary>
/// <remarks>
/// Chosen below Linux's ephemeral range (32768-60999 by default), never from it: the kernel hands
/// ports in that range to every outgoing connection (HTTP clients, Npgsql, gRPC channels of other
/// processes), so a port picked there could be taken by some client socket between the pick and
/// the service's bind ("address already in use"). A port is never handed out twice in one process;
/// processes pick at random, so two picking the same port at once is unlikely. A port found free
/// can still be taken before the child binds it: the child then fails to start, and says so.
/// </remarks>
public static class LoopbackPorts
{
    private const int First = 20_000;
    private const int Last = 32_700;
    private static readonly HashSet<int> s_handedOut = [];

    /// <summary>A free port, never handed out before by this process.</summary>
    public static int Next()
    {
        lock (s_handedOut)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (!s_handedOut.Contains(port) && CanBindExclusively(port))
                {
                    s_handedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {Last}.");
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
            // As the service itself will bind (SO_REUSEADDR), so a port left in TIME_WAIT by the
            // previous run of the same service still counts as free.
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary><c>http://127.0.0.1:P</c>, without a trailing slash.</summary>
    public static string Url(int port) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

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

    private static bool CanBindExclusively(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            // Without SO_REUSEADDR (which .NET's listeners set on Unix): a bind next to a listener fails.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
