using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Catalog;
using EdgeCommerce.Edge.Recommendations;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.OutputCaching;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// The one writer of the replica: applies what the origin sent, swaps the new replica in, then
/// evicts the output-cache tags of exactly the creators that changed. Widgets are rendered once per
/// catalog object (see <see cref="WidgetCache"/>), so they need no eviction; output-cached creator
/// responses are tagged with <see cref="CatalogCacheTags"/>.
/// </summary>
internal sealed class ReplicaUpdater(
    ReplicaHolder holder,
    SyncState state,
    IOutputCacheStore cacheStore,
    SigningKeyRing keyRing,
    ILogger<ReplicaUpdater> logger,
    ModelActivator? models = null,
    Relay.RelayChangeLog? relayLog = null) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Task ApplySnapshotAsync(Snapshot snapshot, CancellationToken cancellationToken)
        => ApplySnapshotAsync(snapshot, clusterId: null, cancellationToken);

    /// <summary>Replaces the replica with a snapshot from the origin cluster <paramref name="clusterId"/>.</summary>
    public Task ApplySnapshotAsync(Snapshot snapshot, string? clusterId, CancellationToken cancellationToken)
        => ApplyAsync((replica, message) => replica.ApplySnapshot((Snapshot)message, clusterId), snapshot, isSnapshot: true, cancellationToken);

    /// <summary>Loads a persisted replica (warm restart): not counted as a snapshot received.</summary>
    public Task RestoreAsync(PersistedReplica persisted, CancellationToken cancellationToken)
        => ApplyAsync(static (replica, message) =>
        {
            var saved = (PersistedReplica)message;
            return replica.ApplySnapshot(saved.Snapshot, saved.ClusterId);
        }, persisted, isSnapshot: false, cancellationToken);

    public Task ApplyBatchAsync(ChangeBatch batch, CancellationToken cancellationToken)
        => ApplyAsync(static (replica, message) => replica.ApplyBatch((ChangeBatch)message), batch, isSnapshot: false, cancellationToken);

    private async Task ApplyAsync(Func<CatalogReplica, object, ReplicaUpdate> apply, object message, bool isSnapshot, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var previous = holder.Current;
            var update = apply(previous, message);
            if (!ReferenceEquals(previous.Keys, update.Replica.Keys))
            {
                // Keys arrive in order with everything else: a token signed with a new key
                // validates as soon as the revision that published it is applied.
                var rejected = keyRing.Replace(update.Replica.Keys);
                if (rejected > 0)
                {
                    SyncLog.KeysRejected(logger, rejected);
                }
            }

            if (models is not null && !Equals(previous.Model, update.Replica.Model))
            {
                // Before the swap, so an edge that reports revision N serves N's model (a model
                // scoring a product the old replica lacks is harmless: it is not a candidate).
                // A model the edge cannot verify or load is refused there; the previous one keeps serving.
                models.Apply(update.Replica.Model);
            }

            if (relayLog is not null)
            {
                // Before the swap: a downstream stream that read this replica finds its revision in the log.
                if (message is ChangeBatch batch)
                {
                    relayLog.Append(batch);
                }
                else
                {
                    relayLog.Reset(update.Replica.Revision);
                }
            }

            holder.Swap(update.Replica);
            if (isSnapshot)
            {
                state.OnSnapshot();
                SyncLog.SnapshotApplied(logger, update.Replica.Revision, update.Replica.Creators.Count);
            }
            else if (update.ChangesApplied > 0)
            {
                state.OnChangesApplied(update.ChangesApplied);
                SyncLog.BatchApplied(logger, update.ChangesApplied, update.Replica.Revision);
            }

            if (isSnapshot)
            {
                state.OnSnapshotApplied(update.Replica.Revision);
            }
            else
            {
                state.OnApplied(update.Replica.Revision);
            }
            foreach (var creatorId in update.ChangedCreators)
            {
                await EvictAsync(creatorId, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A slice of a model's bytes, ahead of the change that activates it.</summary>
    public void AddModelChunk(ModelChunk chunk) => models?.AddChunk(chunk);

    public void Dispose() => _gate.Dispose();

    private async Task EvictAsync(string creatorId, CancellationToken cancellationToken)
    {
        try
        {
            await cacheStore.EvictByTagAsync(CatalogCacheTags.Creator(creatorId), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Keys carry the revision, so a failed eviction only delays freeing memory.
            SyncLog.EvictionFailed(logger, ex);
        }
    }
}
