using EdgeCommerce.Origin.Storage.Drops;

namespace EdgeCommerce.Origin.Drops;

/// <summary>
/// Group commit for lease grants: lease requests that arrive while a lease transaction commits
/// wait for it and then commit together in the next one (one transaction, one fsync), each
/// answered only after that commit. At a drop's opening every edge's refills arrive within the
/// same milliseconds; one at a time, the hundredth waited behind ninety-nine synchronous commits.
/// </summary>
/// <remarks>
/// No timer and no thread: the caller that finds no writer running becomes the writer and drains
/// the queue, batch after batch, until it is empty, so a lone request is written at once (no added
/// latency) and a burst costs one commit per batch. Durability is unchanged: a grant is committed
/// before it is answered. The store evaluates the requests of a batch in order inside the one
/// transaction, each seeing the leases granted before it, so <c>sold + leased ≤ allocation</c>
/// holds exactly as with one transaction each. A batch that fails (a broken invariant, the
/// database gone) is retried one request per transaction, so only the request at fault fails.
/// </remarks>
internal sealed class LeaseBatchWriter(IDropStore store, DropMetrics metrics)
{
    /// <summary>The most requests one transaction holds (bounds a transaction's time and size).</summary>
    public const int MaxBatch = 256;

    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private bool _writing;

    /// <summary>
    /// Grants (or refuses) <paramref name="ask"/> in the next group commit. A caller that cancels
    /// before its batch begins is left out; once the batch began, the grant may be committed anyway
    /// (as when a cancelled call reached the store before): its units come back when the lease expires.
    /// </summary>
    public Task<LeaseGrant> AcquireAsync(LeaseAsk ask, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var pending = new Pending(ask, new TaskCompletionSource<LeaseGrant>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
        bool lead;
        lock (_gate)
        {
            _queue.Enqueue(pending);
            lead = !_writing;
            _writing = true;
        }

        if (lead)
        {
            // Detached from this caller's request: the others in its batches must not lose it if it leaves.
            _ = Task.Run(WriteAllAsync, CancellationToken.None);
        }

        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteAllAsync()
    {
        while (true)
        {
            var batch = new List<Pending>();
            lock (_gate)
            {
                while (batch.Count < MaxBatch && _queue.TryDequeue(out var next))
                {
                    if (next.CancellationToken.IsCancellationRequested)
                    {
                        next.Completion.TrySetCanceled(next.CancellationToken);
                        continue;
                    }

                    batch.Add(next);
                }

                if (batch.Count == 0 && _queue.Count == 0)
                {
                    _writing = false;
                    return;
                }
            }

            if (batch.Count > 0)
            {
                await WriteAsync(batch);
            }
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        try
        {
            var grants = await store.AcquireLeasesAsync([.. batch.Select(static p => p.Ask)], CancellationToken.None);
            metrics.LeaseCommit(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(grants[i]);
            }
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var pending in batch)
            {
                await WriteAsync([pending]);
            }
        }
        catch (Exception ex)
        {
            batch[0].Completion.TrySetException(ex);
        }
    }

    private sealed record Pending(LeaseAsk Ask, TaskCompletionSource<LeaseGrant> Completion, CancellationToken CancellationToken);
}
