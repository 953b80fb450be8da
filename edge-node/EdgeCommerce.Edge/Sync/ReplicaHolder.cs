namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// The current replica, swapped atomically. Readers take <see cref="Current"/> once and use that
/// object for the whole request; only <see cref="ReplicaUpdater"/> swaps. Waiters can ask to be
/// woken once a revision is applied (long-polling status, tests, benchmarks).
/// </summary>
internal sealed class ReplicaHolder
{
    private readonly Lock _gate = new();
    private volatile CatalogReplica _current = CatalogReplica.Empty;
    private TaskCompletionSource _swapped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CatalogReplica Current => _current;

    /// <summary>Completes once the replica holds <paramref name="revision"/> or later (or the token fires).</summary>
    public async Task<bool> WaitForRevisionAsync(long revision, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task swapped;
            lock (_gate)
            {
                if (_current.HasSnapshot && _current.Revision >= revision)
                {
                    return true;
                }

                swapped = _swapped.Task;
            }

            try
            {
                await swapped.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>Completes once the current replica is another object than <paramref name="known"/> (throws when the token fires).</summary>
    public async Task WaitForChangeAsync(CatalogReplica known, CancellationToken cancellationToken)
    {
        Task swapped;
        lock (_gate)
        {
            if (!ReferenceEquals(_current, known))
            {
                return;
            }

            swapped = _swapped.Task;
        }

        await swapped.WaitAsync(cancellationToken);
    }

    internal void Swap(CatalogReplica next)
    {
        TaskCompletionSource swapped;
        lock (_gate)
        {
            _current = next;
            swapped = _swapped;
            _swapped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        swapped.TrySetResult();
    }
}
