using EdgeCommerce.Origin.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Edges;

/// <summary>Writes registry changes to the store in batches, and marks this process's edges gone on shutdown.</summary>
internal sealed class EdgeRegistryFlusher(
    EdgeRegistry registry,
    IOriginStore store,
    IOptions<RoutingOptions> options,
    TimeProvider timeProvider,
    ILogger<EdgeRegistryFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RegistryFlushInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        registry.DisconnectAll();
        await FlushAsync(cancellationToken);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        // Edges behind relays are rewritten well within the contact timeout, so other replicas see them connected.
        var dirty = registry.TakeDirty(options.Value.ContactTimeout / 3);
        try
        {
            await store.RecordEdgesAsync(dirty, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next flush writes newer state anyway; the lag view just ages meanwhile.
            EdgesLog.RegistryFlushFailed(logger, dirty.Count, ex);
        }
    }
}
