using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Up;

namespace EdgeCommerce.Cli.Tests.Up;

public sealed class PreferredPortsTests
{
    private static readonly StackEndpoints s_previous = new("http://127.0.0.1:6080", "http://127.0.0.1:6081",
        [new EdgeEndpoint("edge-1", "eu-west", "http://127.0.0.1:6101"), new EdgeEndpoint("edge-2", "us-east", "http://127.0.0.1:6202")]);

    [Fact]
    public void For_NoPreviousRunNoOptions_UsesDefaults()
    {
        // Act
        var ports = PreferredPorts.For(new UpOptions { DataDirectory = "/data", Edges = 3 }, previous: null);

        // Assert
        Assert.Equal(5080, ports.Origin);
        Assert.Equal(5081, ports.Grpc);
        Assert.Equal([5101, 5102, 5103], ports.Edges);
        Assert.Equal(5200, ports.DemoSite);
    }

    [Fact]
    public void For_DemoSite_OptionThenPreviousRunThenDefault()
    {
        // Arrange
        var previous = s_previous with { DemoSite = "http://127.0.0.1:6200" };

        // Act
        var fromOption = PreferredPorts.For(new UpOptions { DataDirectory = "/data", DemoSitePort = 7200 }, previous);
        var fromPrevious = PreferredPorts.For(new UpOptions { DataDirectory = "/data" }, previous);
        var fromDefault = PreferredPorts.For(new UpOptions { DataDirectory = "/data" }, s_previous);

        // Assert
        Assert.Equal((7200, 6200, 5200), (fromOption.DemoSite, fromPrevious.DemoSite, fromDefault.DemoSite));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 30)]
    [InlineData(40, 30)]
    public void RestartDelay_DoublesPerCrashInARowUpToTheMaximum(int crashes, int expectedSeconds)
        => Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), LocalStack.RestartDelay(crashes, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));

    [Fact]
    public void For_PreviousRun_ReusesItsPortsAndDefaultsForNewEdges()
    {
        // Act
        var ports = PreferredPorts.For(new UpOptions { DataDirectory = "/data", Edges = 3 }, s_previous);

        // Assert
        Assert.Equal(6080, ports.Origin);
        Assert.Equal(6081, ports.Grpc);
        Assert.Equal([6101, 6202, 5103], ports.Edges);
    }

    [Fact]
    public void For_ExplicitOptions_WinOverThePreviousRun()
    {
        // Act
        var ports = PreferredPorts.For(new UpOptions { DataDirectory = "/data", Edges = 2, OriginPort = 7000, GrpcPort = 7001, EdgePort = 7100 }, s_previous);

        // Assert
        Assert.Equal(7000, ports.Origin);
        Assert.Equal(7001, ports.Grpc);
        Assert.Equal([7100, 7101], ports.Edges);
    }

    [Fact]
    public void For_EdgePortsPastTheLastPort_LeavesThemToTheAllocator()
    {
        // Act
        var ports = PreferredPorts.For(new UpOptions { DataDirectory = "/data", Edges = 2, EdgePort = 65535 }, previous: null);

        // Assert
        Assert.Equal([65535, null], ports.Edges);
    }
}
