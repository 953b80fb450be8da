using EdgeCommerce.Origin.Tests.Sync;

namespace EdgeCommerce.Origin.Tests;

/// <summary>
/// For test classes whose tests each need a host of their own (they revoke keys or edges, or move
/// the fake clock): xunit makes a class instance per test, so each test gets a fresh in-memory
/// origin and a client of it.
/// </summary>
public abstract class OriginHostPerTest : IAsyncLifetime
{
    private protected OriginApiFixture Origin { get; } = new();

    private protected OriginSyncClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Origin.InitializeAsync();
        Client = new OriginSyncClient(Origin);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Origin.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
