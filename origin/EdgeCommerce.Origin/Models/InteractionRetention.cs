using EdgeCommerce.Origin.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Models;

/// <summary>Deletes interactions older than <c>Models:InteractionRetention</c>, every <c>Models:RetentionInterval</c>.</summary>
internal sealed class InteractionRetention(IOriginStore store, IOptions<ModelsOptions> options, TimeProvider time, ILogger<InteractionRetention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetentionInterval, time);
        do
        {
            await RunOnceAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow() - options.Value.InteractionRetention;
        try
        {
            var deleted = await store.DeleteInteractionsBeforeAsync(before, cancellationToken);
            if (deleted > 0)
            {
                ModelsLog.InteractionsExpired(logger, deleted, before);
            }

            return deleted;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            ModelsLog.RetentionFailed(logger, exception);
            return 0;
        }
    }
}
