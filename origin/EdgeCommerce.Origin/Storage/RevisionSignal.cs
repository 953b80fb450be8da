namespace EdgeCommerce.Origin.Storage;

/// <summary>
/// Wakes sync streams when the head revision moves. Writers publish after commit; a stream takes
/// the wait task before reading the log, so a commit between its read and its wait is never missed.
/// </summary>
internal sealed class RevisionSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _head;

    /// <summary>The newest revision published.</summary>
    public long Head => Volatile.Read(ref _head);

    /// <summary>A task that completes once the head is above <paramref name="knownRevision"/>.</summary>
    public Task WaitForRevisionAboveAsync(long knownRevision)
    {
        lock (_gate)
        {
            return _head > knownRevision ? Task.CompletedTask : _next.Task;
        }
    }

    public void Publish(long revision)
    {
        TaskCompletionSource completed;
        lock (_gate)
        {
            if (revision <= _head)
            {
                return;
            }

            _head = revision;
            completed = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        completed.TrySetResult();
    }
}
