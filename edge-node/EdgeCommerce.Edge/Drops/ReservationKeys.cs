using System.Collections.Concurrent;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// The edge's idempotency table: per viewer (creator, <c>sub</c>), drop and <c>Idempotency-Key</c>,
/// the reservation attempt made with the key. Concurrent retries with one key share one attempt;
/// a reservation it made is replayed to later ones (or refused when they ask for another SKU or
/// quantity); an attempt that failed, or whose reservation ended unsold, is forgotten, so a retry
/// is a new attempt.
/// </summary>
internal sealed class ReservationKeys
{
    private readonly ConcurrentDictionary<(string Creator, string Viewer, string DropId, string Key), Task<ReserveResult>> _attempts = new();

    public int Count => _attempts.Count;

    /// <summary>
    /// Runs <paramref name="reserve"/> once for the key, or answers from the attempt already made
    /// with it. A replay has <see cref="ReserveResult.Replayed"/> set.
    /// </summary>
    public async ValueTask<ReserveResult> ReserveOnceAsync<TState>((string Creator, string Viewer, string DropId, string Key) key, string skuId, int quantity,
        TState state, Func<TState, CancellationToken, ValueTask<ReserveResult>> reserve, CancellationToken cancellationToken)
    {
        while (true)
        {
            var attempt = new TaskCompletionSource<ReserveResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            var existing = _attempts.GetOrAdd(key, attempt.Task);
            if (ReferenceEquals(existing, attempt.Task))
            {
                return await RunAsync(key, attempt, state, reserve, cancellationToken);
            }

            ReserveResult earlier;
            try
            {
                earlier = await existing.WaitAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The earlier attempt threw (most often its own request was aborted: a client that
                // timed out and retried with the key while the edge still waited for a lease). Its
                // exception is not this request's to answer with (an OperationCanceledException of
                // another request's token would be a 500 here); it was forgotten before it failed,
                // so this retry is a new attempt.
                continue;
            }

            if (earlier.Reservation is { State: ReservationState.Released or ReservationState.Expired })
            {
                // The key's reservation ended unsold: a retry now is a new attempt.
                _attempts.TryRemove(new KeyValuePair<(string, string, string, string), Task<ReserveResult>>(key, existing));
                continue;
            }

            if (earlier.Reservation is { } made)
            {
                return made.SkuId == skuId && made.Quantity == quantity
                    ? earlier with { Replayed = true }
                    : new ReserveResult(ReserveStatus.KeyReused);
            }

            // The earlier attempt failed and was forgotten: try again.
        }
    }

    /// <summary>Forgets the key of a reservation that is itself forgotten.</summary>
    public void Forget(Reservation reservation)
    {
        if (reservation.IdempotencyKey.Length > 0)
        {
            _attempts.TryRemove((reservation.Creator, reservation.Viewer, reservation.DropId, reservation.IdempotencyKey), out _);
        }
    }

    /// <summary>Forgets every key of the drops that are over.</summary>
    public void Evict(IReadOnlySet<string> over)
    {
        foreach (var (key, _) in _attempts)
        {
            if (over.Contains(key.DropId))
            {
                _attempts.TryRemove(key, out _);
            }
        }
    }

    private async ValueTask<ReserveResult> RunAsync<TState>((string, string, string, string) key, TaskCompletionSource<ReserveResult> attempt,
        TState state, Func<TState, CancellationToken, ValueTask<ReserveResult>> reserve, CancellationToken cancellationToken)
    {
        ReserveResult result;
        try
        {
            result = await reserve(state, cancellationToken);
        }
        catch (Exception ex)
        {
            _attempts.TryRemove(new KeyValuePair<(string, string, string, string), Task<ReserveResult>>(key, attempt.Task));
            attempt.SetException(ex);
            throw;
        }

        if (result.Status != ReserveStatus.Created)
        {
            // Only a reservation is remembered: a retry after a 503 or 403 deserves a fresh answer.
            _attempts.TryRemove(new KeyValuePair<(string, string, string, string), Task<ReserveResult>>(key, attempt.Task));
        }

        attempt.SetResult(result);
        return result;
    }
}
