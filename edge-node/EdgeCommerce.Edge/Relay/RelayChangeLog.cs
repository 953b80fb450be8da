using EdgeCommerce.Contracts.Sync;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Relay;

/// <summary>
/// The batches this edge applied from upstream, in order, each encoded once for every downstream
/// stream, bounded by <see cref="RelayOptions.LogCapacity"/> change records. The log is continuous
/// from <see cref="Start"/> to <see cref="Head"/>: a downstream edge at a revision in that range
/// resumes from it, one below gets a snapshot of the replica. A snapshot (or a batch that does not
/// follow the head) starts the log again at its revision.
/// </summary>
/// <remarks>
/// The replica updater appends before it swaps the replica in, so a stream that read the replica
/// at revision R always finds R within the log (or the log already past it).
/// </remarks>
internal sealed class RelayChangeLog(IOptions<RelayOptions> options)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Entry> _entries = new();
    private long _start;
    private long _head;
    private long _changes;
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WatchResponse? _heartbeat;

    /// <summary>The oldest revision a downstream edge can resume from.</summary>
    public long Start
    {
        get
        {
            lock (_gate)
            {
                return _start;
            }
        }
    }

    /// <summary>The newest revision in the log.</summary>
    public long Head
    {
        get
        {
            lock (_gate)
            {
                return _head;
            }
        }
    }

    /// <summary>Starts the log again at <paramref name="revision"/> (a snapshot replaced the replica).</summary>
    public void Reset(long revision)
    {
        TaskCompletionSource appended;
        lock (_gate)
        {
            _entries.Clear();
            _changes = 0;
            _start = revision;
            _head = revision;
            appended = Rotate();
        }

        appended.TrySetResult();
    }

    /// <summary>Adds a batch this edge is about to apply; one that does not follow the head restarts the log at its revision.</summary>
    public void Append(ChangeBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Changes.Count == 0)
        {
            return;
        }

        // Encoded here, once: every downstream stream's write copies these bytes.
        var response = new WatchResponse { Changes = batch.Clone() }.Encode();
        TaskCompletionSource appended;
        lock (_gate)
        {
            if (batch.PreviousRevision != _head)
            {
                _entries.Clear();
                _changes = 0;
                _start = batch.Revision;
                _head = batch.Revision;
                }
            else
            {
                _entries.AddLast(new Entry(batch.PreviousRevision, batch.Revision, response));
                _changes += batch.Changes.Count;
                _head = batch.Revision;
                while (_changes > options.Value.LogCapacity && _entries.First is { } oldest && _entries.Count > 1)
                {
                    _entries.RemoveFirst();
                    _changes -= oldest.Value.Response.Changes.Changes.Count;
                    _start = oldest.Value.Revision;
                }
            }

            appended = Rotate();
        }

        appended.TrySetResult();
    }

    /// <summary>
    /// What follows <paramref name="after"/>: the batches to send (the first cut to start right after
    /// it when it falls inside one), an empty list when there is nothing yet, or null when the log no
    /// longer reaches back to it (the stream needs a snapshot). Also a task that completes at the next append.
    /// </summary>
    public (IReadOnlyList<WatchResponse>? Batches, Task Appended) ReadAfter(long after)
    {
        lock (_gate)
        {
            if (after < _start)
            {
                return (null, _appended.Task);
            }

            var batches = new List<WatchResponse>();
            foreach (var entry in _entries)
            {
                if (entry.Revision <= after)
                {
                    continue;
                }

                if (entry.PreviousRevision >= after)
                {
                    batches.Add(entry.Response);
                    continue;
                }

                // The stream holds a revision inside this batch (it came from another relay or the
                // origin): the rest of the batch, encoded for this stream alone.
                var cut = new ChangeBatch { PreviousRevision = after, Revision = entry.Revision };
                cut.Changes.Add(entry.Response.Changes.Changes.Where(change => change.Revision > after));
                batches.Add(new WatchResponse { Changes = cut });
            }

            return (batches, _appended.Task);
        }
    }

    /// <summary>
    /// A heartbeat for downstream streams, encoded once and shared by every stream that heartbeats
    /// within the same second at the same head (an idle relay heartbeats all its streams every
    /// interval: one serialization per tick instead of one per stream).
    /// </summary>
    public WatchResponse Heartbeat(long head, string clusterId, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var cached = Volatile.Read(ref _heartbeat);
        if (cached is not null && cached.Heartbeat.HeadRevision == head && nowMs - cached.Heartbeat.OriginTimeUnixMs is >= 0 and < 1000
            && string.Equals(cached.Heartbeat.ClusterId, clusterId, StringComparison.Ordinal))
        {
            return cached;
        }

        var fresh = new WatchResponse { Heartbeat = new Heartbeat { HeadRevision = head, OriginTimeUnixMs = nowMs, ClusterId = clusterId } }.Encode();
        Volatile.Write(ref _heartbeat, fresh);
        return fresh;
    }

    private TaskCompletionSource Rotate()
    {
        var appended = _appended;
        _appended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return appended;
    }

    private readonly record struct Entry(long PreviousRevision, long Revision, WatchResponse Response);
}
