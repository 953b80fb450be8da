using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// Warm restart. At startup, before the sync loop opens a stream, loads the persisted replica so
/// the edge is ready and serving at once, even with the origin down, and resumes from its
/// revision. While running, writes the replica <see cref="SyncOptions.PersistInterval"/> after it
/// changed (a burst of changes in that time is one write), and once more at shutdown. Nothing
/// wakes while the replica does not change. The pause before the next write is also at least
/// <see cref="CostFactor"/> times what the last write took, so rewriting a large replica during a
/// long burst of changes costs at most about 1/<see cref="CostFactor"/> of the edge's time (the
/// file is the whole replica: at 100,000 SKUs several MiB, hashed and flushed to disk).
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

    // The replica the last persist looked at (written or not): the loop sleeps until another is swapped in.
    private CatalogReplica _checked = CatalogReplica.Empty;

    /// <summary>The pause after a write is at least this many times the write's duration.</summary>
    internal const int CostFactor = 20;

    /// <summary>The longest pause the write's cost can impose (the interval itself may be longer).</summary>
    internal static readonly TimeSpan MaxCostPause = TimeSpan.FromSeconds(30);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The data directory holds the replica, its MAC key and the sync token: owner-only.
        foreach (var (path, found) in OwnerOnly.SecureDirectory(edgeOptions.Value.DataDirectory))
        {
            SyncLog.DataModeTightened(logger, path, found);
        }

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
                _checked = _persisted;
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
        var interval = syncOptions.Value.PersistInterval;
        var pause = interval;
        try
        {
            while (true)
            {
                // No timer ticks while nothing changes: sleep until a new replica is swapped in,
                // then let the changes that follow within the pause join the same write.
                await holder.WaitForChangeAsync(Volatile.Read(ref _checked), stoppingToken);
                await Task.Delay(pause, timeProvider, stoppingToken);
                var started = timeProvider.GetTimestamp();
                await PersistIfChangedAsync(stoppingToken);
                pause = NextPause(interval, timeProvider.GetElapsedTime(started));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The pause before the next write: the interval, or longer when writing the replica is expensive.</summary>
    internal static TimeSpan NextPause(TimeSpan interval, TimeSpan lastWrite)
    {
        var costPause = lastWrite * CostFactor;
        if (costPause > MaxCostPause)
        {
            costPause = MaxCostPause;
        }

        return costPause > interval ? costPause : interval;
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
            Volatile.Write(ref _checked, current);
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
