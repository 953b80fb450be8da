using EdgeCommerce.Origin.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Sync;

/// <summary>
/// Keeps the change log bounded: records beyond <see cref="SyncOptions.CompactionKeepChanges"/> or
/// older than <see cref="SyncOptions.CompactionMaxAge"/> go. An edge asking from below the horizon
/// gets a snapshot instead (etcd's compacted revision).
/// </summary>
internal sealed class ChangeLogCompactor(IOriginStore store, IOptions<SyncOptions> options, TimeProvider timeProvider, ILogger<ChangeLogCompactor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CompactionInterval, timeProvider);
        try
        {
            do
            {
                await CompactOnceAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One compaction round; returns the horizon it compacted to (0 when nothing was due).</summary>
    internal async Task<long> CompactOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        try
        {
            var head = await store.GetHeadRevisionAsync(cancellationToken);
            var byCount = settings.CompactionKeepChanges > 0 ? head - settings.CompactionKeepChanges : 0;
            var byAge = await store.GetLastRevisionAtOrBeforeAsync(timeProvider.GetUtcNow() - settings.CompactionMaxAge, cancellationToken);
            var horizon = Math.Max(byCount, byAge);
            if (horizon <= 0)
            {
                return 0;
            }

            var deleted = await store.CompactAsync(horizon, cancellationToken);
            if (deleted > 0)
            {
                SyncLog.ChangeLogCompacted(logger, deleted, horizon);
            }

            return horizon;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SyncLog.CompactionFailed(logger, ex);
            return 0;
        }
    }
}
