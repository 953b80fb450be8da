namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// The current replica, swapped atomically. Readers take <see cref="Current"/> once and use that
/// object for the whole request; only <see cref="ReplicaUpdater"/> swaps.
/// </summary>
internal sealed class ReplicaHolder
{
    private volatile CatalogReplica _current = CatalogReplica.Empty;

    public CatalogReplica Current => _current;

    internal void Swap(CatalogReplica next) => Interlocked.Exchange(ref _current, next);
}
