namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>One <see cref="AuthProbeHost"/> shared by a test class; its clock never moves.</summary>
public sealed class AuthProbeFixture : IAsyncLifetime
{
    internal AuthProbeHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Host = await AuthProbeHost.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}
