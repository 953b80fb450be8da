namespace EdgeCommerce.Origin.Storage;

/// <summary>Opens (and migrates) the store before Kestrel accepts requests: startup fails fast.</summary>
internal sealed class StoreInitializer(IOriginStore store) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.InitializeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException("Unable to open the origin store.", ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
