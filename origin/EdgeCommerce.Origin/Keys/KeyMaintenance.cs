using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Keys;

/// <summary>Loads (or creates) the signing keys before requests are served, writes the bootstrap token, and sweeps retired keys.</summary>
internal sealed class KeyMaintenance(
    SigningKeyManager keys,
    BootstrapToken bootstrapToken,
    IOptions<KeysOptions> options,
    TimeProvider timeProvider,
    ILogger<KeyMaintenance> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await keys.InitializeAsync(cancellationToken);
        await bootstrapToken.WriteIfConfiguredAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await keys.SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    KeysLog.KeySweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
