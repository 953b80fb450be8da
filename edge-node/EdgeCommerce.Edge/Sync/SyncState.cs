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
    private long _appliedRevision;
    private long _behindSinceUnixMs;
    private long _attempts;
    private long _failuresSinceContact;
    private readonly long _startedUnixMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
    private volatile bool _connected;
    private volatile string _originAddress = "";
    private volatile LinkError? _lastError;

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

    /// <summary>When this process started: before any contact, the replica is at least this stale.</summary>
    public DateTimeOffset StartedAt => DateTimeOffset.FromUnixTimeMilliseconds(_startedUnixMs);

    /// <summary>Streams opened since start that ended (failed or not): counts retries even when the origin was never reached.</summary>
    public long ConnectAttempts => Interlocked.Read(ref _attempts);

    /// <summary>Stream attempts that failed since the origin was last heard from (since start when never).</summary>
    public long FailuresSinceContact => Interlocked.Read(ref _failuresSinceContact);

    /// <summary>Why the last stream attempt failed; null when none failed since start.</summary>
    public LinkError? LastError => _lastError;

    /// <summary>A stream attempt failed with <paramref name="error"/> (never a token: gRPC status and message only).</summary>
    public void OnStreamFailed(string error)
    {
        Interlocked.Increment(ref _failuresSinceContact);
        _lastError = new LinkError(error, timeProvider.GetUtcNow());
    }

    public void OnMessage(long headRevision)
    {
        _connected = true;
        Interlocked.Exchange(ref _failuresSinceContact, 0);
        Interlocked.Exchange(ref _lastContactUnixMs, timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        RaiseHead(headRevision);
    }

    /// <summary>The replica now holds <paramref name="revision"/> (the updater, after each swap).</summary>
    public void OnApplied(long revision)
    {
        Interlocked.Exchange(ref _appliedRevision, revision);
        RaiseHead(revision);
        UpdateBehind();
    }

    /// <summary>
    /// A snapshot replaced the replica: its revision is the head as far as this edge knows (after
    /// a restore from a backup the origin's head can be below what the edge heard before).
    /// </summary>
    public void OnSnapshotApplied(long revision)
    {
        Interlocked.Exchange(ref _headRevision, revision);
        OnApplied(revision);
    }

    /// <summary>The revision the replica holds.</summary>
    public long AppliedRevision => Interlocked.Read(ref _appliedRevision);

    /// <summary>Revisions the replica lacks of the newest one this edge has heard of.</summary>
    public long LagRevisions => Math.Max(0, HeadRevision - AppliedRevision);

    /// <summary>
    /// How long the replica has been behind the newest revision this edge has heard of; while
    /// disconnected, at least the time since the origin was last heard from (the edge cannot know
    /// what it is missing). Zero while connected and caught up.
    /// </summary>
    public TimeSpan LagDuration
    {
        get
        {
            var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            var behindSince = Interlocked.Read(ref _behindSinceUnixMs);
            var behind = behindSince > 0 ? now - behindSince : 0;
            if (!_connected && Interlocked.Read(ref _lastContactUnixMs) is var contact and > 0)
            {
                behind = Math.Max(behind, now - contact);
            }

            return TimeSpan.FromMilliseconds(Math.Max(0, behind));
        }
    }

    public void OnSnapshot() => Interlocked.Increment(ref _snapshotsReceived);

    public void OnRestored(long revision) => Interlocked.Exchange(ref _restoredRevision, revision);

    public void OnPersisted(long revision) => Interlocked.Exchange(ref _persistedRevision, revision);

    public void OnStreamOpening(string originAddress) => _originAddress = originAddress;

    public void OnChangesApplied(int count) => Interlocked.Add(ref _changesApplied, count);

    public void OnDisconnected()
    {
        Interlocked.Increment(ref _attempts);
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

        UpdateBehind();
    }

    private void UpdateBehind()
    {
        if (HeadRevision > AppliedRevision)
        {
            Interlocked.CompareExchange(ref _behindSinceUnixMs, timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), 0);
        }
        else
        {
            Interlocked.Exchange(ref _behindSinceUnixMs, 0);
        }
    }
}

/// <summary>Why the link to the origin failed last, and when.</summary>
internal sealed record LinkError(string Message, DateTimeOffset At);
