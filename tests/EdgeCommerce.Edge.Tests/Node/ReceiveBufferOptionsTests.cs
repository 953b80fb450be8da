using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Tests.Node;

/// <summary><c>Edge:ReceiveBuffersUpFront</c> reaches Kestrel's socket transport, both ways.</summary>
public sealed class ReceiveBufferOptionsTests
{
    [Fact]
    public async Task Default_TransportKeepsABufferPerConnection()
    {
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();

        Assert.False(edge.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.WaitForDataBeforeAllocatingBuffer);
    }

    [Fact]
    public async Task TurnedOff_TransportWaitsForDataFirst()
    {
        await using var edge = new EdgeApiFixture(keepSyncWorker: false, static services => services.Configure<EdgeOptions>(static o => o.ReceiveBuffersUpFront = false));
        await edge.InitializeAsync();

        Assert.True(edge.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.WaitForDataBeforeAllocatingBuffer);
    }
}
