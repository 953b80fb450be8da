namespace EdgeCommerce.Edge.Sync;

/// <summary>What the sync loop knows about its link to the origin, for status and readiness.</summary>
internal sealed class SyncState(TimeProvider timeProvider)
{
    private long _headRevision;
    private long _snapshotsReceived;
    private long _changesApplied;
    private long _reconnects;
    private long _lastContactUnixMs;
    private volatile bool _connected;

    public bool Connected => _connected;

    /// <summary>Newest origin revision this edge has heard of (heartbeats and applied data).</summary>
    public long HeadRevision => Interlocked.Read(ref _headRevision);

    public long SnapshotsReceived => Interlocked.Read(ref _snapshotsReceived);

    public long ChangesApplied => Interlocked.Read(ref _changesApplied);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public DateTimeOffset? LastContact
        => Interlocked.Read(ref _lastContactUnixMs) is var ms and > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public void OnMessage(long headRevision)
    {
        _connected = true;
        Interlocked.Exchange(ref _lastContactUnixMs, timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        RaiseHead(headRevision);
    }

    public void OnSnapshot() => Interlocked.Increment(ref _snapshotsReceived);

    public void OnChangesApplied(int count) => Interlocked.Add(ref _changesApplied, count);

    public void OnDisconnected()
    {
        if (_connected)
        {
            Interlocked.Increment(ref _reconnects);
        }

        _connected = false;
    }

    private void RaiseHead(long revision)
    {
        var current = Interlocked.Read(ref _headRevision);
        while (revision > current)
        {
            var seen = Interlocked.CompareExchange(ref _headRevision, revision, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
