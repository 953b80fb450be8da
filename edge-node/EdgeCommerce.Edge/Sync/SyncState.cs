namespace EdgeCommerce.Edge.Sync;

/// <summary>What the sync loop knows about its link to the origin, for status and readiness.</summary>
internal sealed class SyncState(TimeProvider timeProvider)
{
    private long _headRevision;
    private long _snapshotsReceived;
    private long _changesApplied;
    private long _reconnects;
    private long _lastContactUnixMs;
    private long _restoredRevision = -1;
    private long _persistedRevision = -1;
    private volatile bool _connected;
    private volatile string _originAddress = "";

    /// <summary>The revision loaded from disk at startup; null when the edge started empty.</summary>
    public long? RestoredRevision => Interlocked.Read(ref _restoredRevision) is var r and >= 0 ? r : null;

    /// <summary>The revision last written to disk; null before the first write.</summary>
    public long? PersistedRevision => Interlocked.Read(ref _persistedRevision) is var r and >= 0 ? r : null;

    /// <summary>The origin address of the current (or last) stream.</summary>
    public string OriginAddress => _originAddress;

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

    public void OnRestored(long revision) => Interlocked.Exchange(ref _restoredRevision, revision);

    public void OnPersisted(long revision) => Interlocked.Exchange(ref _persistedRevision, revision);

    public void OnStreamOpening(string originAddress) => _originAddress = originAddress;

    public void OnChangesApplied(int count) => Interlocked.Add(ref _changesApplied, count);

    public void OnDisconnected()
    {
        if (_connected)
        {
            Interlocked.Increment(ref _reconnects);
        }

        _connected = false;
    }

    public void RaiseHead(long revision)
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
