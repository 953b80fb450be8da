using System.Net;
using System.Net.Sockets;

namespace EdgeCommerce.Tests.Common;

/// <summary>Free loopback TCP ports for hosts that must be told their port before they start.</summary>
/// <remarks>
/// Chosen below Linux's ephemeral range (32768-60999 by default), never from it: the kernel hands
/// ports in that range to every outgoing connection (HTTP clients, Npgsql, gRPC channels of the
/// tests running in parallel), so a port picked there could be taken by some client socket between
/// the pick and the server's bind ("address already in use"). A port is never handed out twice in
/// one process; test processes pick at random, so two picking the same port at once is unlikely.
/// </remarks>
public static class FreePort
{
    private const int First = 20_000;
    private const int Last = 32_700;
    private static readonly HashSet<int> s_handedOut = [];

    public static int Next()
    {
        lock (s_handedOut)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (!s_handedOut.Contains(port) && CanBind(port))
                {
                    s_handedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {Last}.");
    }

    private static bool CanBind(int port)
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
