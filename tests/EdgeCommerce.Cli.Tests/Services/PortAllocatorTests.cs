using System.Net;
using System.Net.Sockets;
using EdgeCommerce.Cli.Services;
using EdgeCommerce.Hosting.Processes;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Services;

public sealed class PortAllocatorTests
{
    [Fact]
    public void Allocate_PreferredIsFree_ReturnsIt()
    {
        // Arrange
        var preferred = FreePort.Next();

        // Act
        var port = new PortAllocator().Allocate(preferred);

        // Assert
        Assert.Equal(preferred, port);
    }

    [Fact]
    public void Allocate_PreferredIsTaken_ReturnsAnotherFreePort()
    {
        // Arrange
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;

        // Act
        var port = new PortAllocator().Allocate(taken);

        // Assert
        Assert.NotEqual(taken, port);
        Assert.True(LoopbackPorts.IsFree(port));
        Assert.False(LoopbackPorts.IsFree(taken));
    }

    [Fact]
    public void Allocate_PreferredIsTakenByAReuseAddressListener_ReturnsAnotherPort()
    {
        // Arrange: a listener with SO_REUSEADDR (as Python's and .NET's servers set) lets a second
        // bind succeed on Linux, so only a connection proves the port is taken.
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        var taken = ((IPEndPoint)holder.LocalEndPoint!).Port;

        // Act
        var port = new PortAllocator().Allocate(taken);

        // Assert
        Assert.NotEqual(taken, port);
    }

    [Fact]
    public void Allocate_SamePreferredTwice_NeverHandsOutAPortTwice()
    {
        // Arrange
        var allocator = new PortAllocator();
        var preferred = FreePort.Next();

        // Act
        var first = allocator.Allocate(preferred);
        var second = allocator.Allocate(preferred);
        var third = allocator.Allocate(null);

        // Assert
        Assert.Equal(preferred, first);
        Assert.Equal(3, new[] { first, second, third }.Distinct().Count());
    }
}
