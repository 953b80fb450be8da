namespace EdgeCommerce.Benchmarks.Fanout;

/// <summary>One simulated edge: its identity, its own <c>edge:sync</c> token, and what it holds.</summary>
/// <param name="index">Its cell in the <see cref="ArrivalBoard"/>.</param>
/// <param name="upstream">Which upstream address it connects to.</param>
internal sealed class SimulatedEdge(int index, string id, string region, string token, int upstream)
{
    private readonly object _gate = new();
    private long _acked = -1;
    private long _held;
    private TaskCompletionSource<long>? _waiter;
    private long _waitingFor;

    public int Index { get; } = index;

    public string Id { get; } = id;

    public string Region { get; } = region;

    public string Token { get; } = token;

    public int Upstream { get; } = upstream;

    /// <summary>The revision it holds (written by its own stream loop only).</summary>
    public long Held
    {
        get => Volatile.Read(ref _held);
        set => Volatile.Write(ref _held, value);
    }

    /// <summary>The last revision it acknowledged; -1 before the first.</summary>
    public long Acked => Volatile.Read(ref _acked);

    public int Reconnects { get; set; }

    public void OnAcked(long revision)
    {
        TaskCompletionSource<long>? done = null;
        lock (_gate)
        {
            _acked = revision;
            if (_waiter is not null && revision >= _waitingFor)
            {
                done = _waiter;
                _waiter = null;
            }
        }

        done?.TrySetResult(revision);
    }

    /// <summary>Completes once it acknowledged <paramref name="revision"/> or more.</summary>
    public Task WaitForAckAsync(long revision)
    {
        lock (_gate)
        {
            if (_acked >= revision)
            {
                return Task.CompletedTask;
            }

            _waitingFor = revision;
            _waiter ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }
    }
}
