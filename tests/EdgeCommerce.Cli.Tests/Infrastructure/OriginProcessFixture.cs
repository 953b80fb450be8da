using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Infrastructure;

/// <summary>A real origin process on free loopback ports with its own SQLite directory, shared by a test class.</summary>
public sealed class OriginProcessFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("edgecommerce-cli-origin");
    private OriginNode? _origin;

    public string Url => Origin.HttpAddress.GetLeftPart(UriPartial.Authority);

    public string GrpcUrl => Origin.GrpcAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>The platform operator token the origin wrote at startup.</summary>
    public string AdminToken => Origin.AdminToken;

    public OriginNode Origin => _origin ?? throw new InvalidOperationException("The origin is not started.");

    public async ValueTask InitializeAsync()
        => _origin = await OriginNode.StartAsync(_data.Combine("origin"), TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_origin is not null)
        {
            await _origin.StopAsync();
            await _origin.DisposeAsync();
        }

        _data.Dispose();
    }
}
