using EdgeCommerce.Cli.Common;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Common;

public sealed class EndpointsFileTests
{
    [Fact]
    public void Write_ThenRead_RoundTrips()
    {
        // Arrange
        using var directory = new TempDirectory("edgecommerce-cli-test");
        var endpoints = new StackEndpoints("http://127.0.0.1:5080", "http://127.0.0.1:5081",
            [new EdgeEndpoint("edge-1", "eu-west", "http://127.0.0.1:5101"), new EdgeEndpoint("edge-2", "us-east", "http://127.0.0.1:5102")]);

        // Act
        EndpointsFile.Write(directory.Path, endpoints);
        var read = EndpointsFile.Read(directory.Path);

        // Assert
        Assert.NotNull(read);
        Assert.Equal(endpoints.Origin, read.Origin);
        Assert.Equal(endpoints.OriginGrpc, read.OriginGrpc);
        Assert.Equal(endpoints.Edges, read.Edges);
        Assert.Equal(["endpoints.json"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_Always_UsesTheDocumentedShape()
    {
        // Arrange
        using var directory = new TempDirectory("edgecommerce-cli-test");

        // Act
        EndpointsFile.Write(directory.Path, new StackEndpoints("http://127.0.0.1:1", "http://127.0.0.1:2", [new EdgeEndpoint("edge-1", "eu-west", "http://127.0.0.1:3")]));

        // Assert
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.Path, "endpoints.json")));
        Assert.Equal("http://127.0.0.1:1", json.RootElement.GetProperty("origin").GetString());
        Assert.Equal("http://127.0.0.1:2", json.RootElement.GetProperty("originGrpc").GetString());
        var edge = Assert.Single(json.RootElement.GetProperty("edges").EnumerateArray());
        Assert.Equal("edge-1", edge.GetProperty("id").GetString());
        Assert.Equal("eu-west", edge.GetProperty("region").GetString());
        Assert.Equal("http://127.0.0.1:3", edge.GetProperty("url").GetString());
    }

    [Fact]
    public void Write_OverExistingFile_ReplacesIt()
    {
        // Arrange
        using var directory = new TempDirectory("edgecommerce-cli-test");
        EndpointsFile.Write(directory.Path, new StackEndpoints("http://127.0.0.1:1", "http://127.0.0.1:2", []));

        // Act
        EndpointsFile.Write(directory.Path, new StackEndpoints("http://127.0.0.1:10", "http://127.0.0.1:20", []));

        // Assert
        Assert.Equal("http://127.0.0.1:10", EndpointsFile.Read(directory.Path)!.Origin);
    }

    [Fact]
    public void Read_NoFile_ReturnsNull()
    {
        // Arrange
        using var directory = new TempDirectory("edgecommerce-cli-test");

        // Act / Assert
        Assert.Null(EndpointsFile.Read(Path.Combine(directory.Path, "missing")));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("null")]
    [InlineData("""{"origin": "127.0.0.1:5080", "originGrpc": "http://127.0.0.1:5081", "edges": []}""")]
    [InlineData("""{"origin": "http://127.0.0.1:5080", "originGrpc": "http://127.0.0.1:5081"}""")]
    public void Parse_Invalid_ThrowsCliException(string json)
        => Assert.Throws<CliException>(() => EndpointsFile.Parse(json, "endpoints.json"));

    [Theory]
    [InlineData("http://127.0.0.1:5080", 5080)]
    [InlineData("http://127.0.0.1", null)]
    [InlineData("not a url", null)]
    [InlineData(null, null)]
    public void PortOf_Url_ReturnsExplicitPort(string? url, int? expected)
        => Assert.Equal(expected, EndpointsFile.PortOf(url));
}
