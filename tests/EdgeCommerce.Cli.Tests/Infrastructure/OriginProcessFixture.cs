using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Infrastructure;

/// <summary>A real origin process on free loopback ports with its own SQLite directory.</summary>
public sealed class OriginProcessFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private ServiceProcess? _origin;

    public string Url { get; private set; } = "";

    public string GrpcUrl { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var http = FreePort.Next();
        var grpc = FreePort.Next();
        Url = $"http://127.0.0.1:{http}";
        GrpcUrl = $"http://127.0.0.1:{grpc}";
        _origin = ServiceProcess.Start("origin", Repository.AssemblyPath("EdgeCommerce.Origin"),
        [
            $"--Kestrel:Endpoints:Http:Url={Url}",
            "--Kestrel:Endpoints:Http:Protocols=Http1",
            $"--Kestrel:Endpoints:Grpc:Url={GrpcUrl}",
            "--Kestrel:Endpoints:Grpc:Protocols=Http2",
            $"--Storage:DataDirectory={Path.Combine(_data.Path, "origin")}",
        ]);
        await _origin.WaitForOkAsync(Url + "/readyz", TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
    }

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
