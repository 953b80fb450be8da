using EdgeCommerce.Contracts;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Storage;

/// <summary>
/// Opens (and migrates) the store before Kestrel accepts requests: startup fails fast. First it
/// makes the data directory and everything in it owner-only (database, journals, tokens, the
/// key-encryption key), saying what it had to tighten.
/// </summary>
internal sealed class StoreInitializer(IOriginStore store, IOptions<StorageOptions> options, ILogger<StoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (path, found) in OwnerOnly.SecureDirectory(options.Value.DataDirectory))
        {
            StorageLog.DataModeTightened(logger, path, found);
        }

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
