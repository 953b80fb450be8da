using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// Warm restart. At startup, before the sync loop opens a stream, loads the persisted replica so
/// the edge is ready and serving at once, even with the origin down, and resumes from its
/// revision. While running, writes the replica whenever it changed, at most once per
/// <see cref="SyncOptions.PersistInterval"/>, and once more at shutdown.
/// </summary>
internal sealed class ReplicaPersistence(
    ReplicaHolder holder,
    ReplicaUpdater updater,
    SyncState state,
    IOptions<EdgeOptions> edgeOptions,
    IOptions<SyncOptions> syncOptions,
    TimeProvider timeProvider,
    ILogger<ReplicaPersistence> logger) : BackgroundService
{
    private readonly ReplicaFile _file = new(Path.GetFullPath(edgeOptions.Value.DataDirectory));

    // One writer at a time: the timer, shutdown (which a host may run twice at once) and tests all
    // persist, and two saves at once would fight over the same temporary file.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CatalogReplica? _persisted;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var (replica, problem) = await _file.LoadAsync(edgeOptions.Value.Id, cancellationToken);
        if (replica is null)
        {
            SyncLog.PersistedReplicaIgnored(logger, _file.Path, problem!);
        }
        else
        {
            try
            {
                await updater.RestoreAsync(replica, cancellationToken);
                _persisted = holder.Current;
                state.OnRestored(replica.Snapshot.Revision);
                SyncLog.PersistedReplicaLoaded(logger, _file.Path, replica.Snapshot.Revision, replica.Snapshot.Creators.Count);
            }
            catch (ReplicaApplyException ex)
            {
                SyncLog.PersistedReplicaIgnored(logger, _file.Path, "inconsistent: " + ex.Message);
            }
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(syncOptions.Value.PersistInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PersistIfChangedAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await PersistIfChangedAsync(cancellationToken);
    }

    internal async Task PersistIfChangedAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = holder.Current;
            if (!current.HasSnapshot || ReferenceEquals(current, _persisted))
            {
                return;
            }

            await _file.SaveAsync(new PersistedReplica { EdgeId = edgeOptions.Value.Id, ClusterId = current.ClusterId, Snapshot = current.ToSnapshot() }, cancellationToken);
            _persisted = current;
            state.OnPersisted(current.Revision);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The edge keeps serving from memory; a restart would resync from the origin.
            SyncLog.PersistFailed(logger, _file.Path, ex);
        }
        finally
        {
            _gate.Release();
        }
    }
}
