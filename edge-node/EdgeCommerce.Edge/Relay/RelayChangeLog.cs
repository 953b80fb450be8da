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
/// <para>
/// Waking the downstream streams is one pass: every stream waits on the same <see cref="ReadAfter"/>
/// task, completed (by one thread-pool item, off the updater's path) with its continuations run
/// inline, so each stream's write is issued in turn without a thread-pool hop, a timer or a
/// cancellation registration per stream and batch. An idle relay's heartbeats come from one timer
/// that completes the same task every <see cref="RelayOptions.HeartbeatInterval"/>, not one per stream.
/// A stream's reads are a binary search in an array, not a walk of the whole log: at the default
/// capacity the log holds up to 10,000 batches and every stream reads it after every batch.
/// </para>
/// </remarks>
internal sealed class RelayChangeLog(IOptions<RelayOptions> options, TimeProvider? timeProvider = null) : IDisposable
{
    private static readonly WatchResponse[] s_none = [];
    private readonly Lock _gate = new();
    // _entries[_first..] are the log, oldest first; the slots before _first are evicted and
    // reclaimed once they are half the list (so evicting one batch per append stays O(1) amortized).
    private readonly List<Entry> _entries = [];
    private int _first;
    private long _start;
    private long _head;
    private long _changes;
    private TaskCompletionSource _wake = NewWake();
    private ITimer? _ticks;
    private WatchResponse? _heartbeat;

    /// <summary>The bytes of the model a batch activates, read and encoded once for every downstream stream.</summary>
    public ModelChunks Models { get; } = new();

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
        TaskCompletionSource wake;
        lock (_gate)
        {
            Clear(revision);
            wake = Rotate();
        }

        WakeStreams(wake);
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
        TaskCompletionSource wake;
        lock (_gate)
        {
            if (batch.PreviousRevision != _head)
            {
                Clear(batch.Revision);
            }
            else
            {
                _entries.Add(new Entry(batch.PreviousRevision, batch.Revision, response));
                _changes += batch.Changes.Count;
                _head = batch.Revision;
                while (_changes > options.Value.LogCapacity && _entries.Count - _first > 1)
                {
                    var oldest = _entries[_first];
                    _entries[_first++] = default;
                    _changes -= oldest.Response.Changes.Changes.Count;
                    _start = oldest.Revision;
                }

                if (_first > 64 && _first * 2 > _entries.Count)
                {
                    _entries.RemoveRange(0, _first);
                    _first = 0;
                }
            }

            wake = Rotate();
        }

        WakeStreams(wake);
    }

    /// <summary>
    /// What follows <paramref name="after"/>: the batches to send (the first cut to start right after
    /// it when it falls inside one), an empty list when there is nothing yet, or null when the log no
    /// longer reaches back to it (the stream needs a snapshot). Also a task that completes at the
    /// next append, reset or heartbeat tick (whichever comes first); its continuations run inline,
    /// one stream after another, so a waiter must not block.
    /// </summary>
    public (IReadOnlyList<WatchResponse>? Batches, Task Wake) ReadAfter(long after)
    {
        lock (_gate)
        {
            _ticks ??= StartTicks();
            if (after < _start)
            {
                return (null, _wake.Task);
            }

            if (after >= _head)
            {
                // The common read: a stream that just sent the head looks again before it waits.
                return (s_none, _wake.Task);
            }

            // Revisions increase along the log: the first entry past `after`, by binary search.
            var low = _first;
            var high = _entries.Count;
            while (low < high)
            {
                var middle = low + ((high - low) / 2);
                if (_entries[middle].Revision <= after)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            var batches = new WatchResponse[_entries.Count - low];
            for (var i = low; i < _entries.Count; i++)
            {
                var entry = _entries[i];
                if (entry.PreviousRevision >= after)
                {
                    batches[i - low] = entry.Response;
                    continue;
                }

                // The stream holds a revision inside this batch (it came from another relay or the
                // origin): the rest of the batch, encoded for this stream alone.
                var cut = new ChangeBatch { PreviousRevision = after, Revision = entry.Revision };
                cut.Changes.Add(entry.Response.Changes.Changes.Where(change => change.Revision > after));
                batches[i - low] = new WatchResponse { Changes = cut };
            }

            return (batches, _wake.Task);
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

    public void Dispose()
    {
        lock (_gate)
        {
            _ticks?.Dispose();
            _ticks = null;
        }
    }

    private void Clear(long revision)
    {
        _entries.Clear();
        _first = 0;
        _changes = 0;
        _start = revision;
        _head = revision;
    }

    private ITimer StartTicks()
    {
        var interval = options.Value.HeartbeatInterval;
        return (timeProvider ?? TimeProvider.System).CreateTimer(static state => ((RelayChangeLog)state!).Tick(), this, interval, interval);
    }

    private void Tick()
    {
        TaskCompletionSource wake;
        lock (_gate)
        {
            wake = Rotate();
        }

        // Already on a timer's thread-pool callback: the pass runs here.
        wake.TrySetResult();
    }

    private TaskCompletionSource Rotate()
    {
        var wake = _wake;
        _wake = NewWake();
        return wake;
    }

    /// <summary>One thread-pool item runs every waiting stream's continuation in turn, off the caller's path (the replica updater).</summary>
    private static void WakeStreams(TaskCompletionSource wake)
        => ThreadPool.UnsafeQueueUserWorkItem(static wake => wake.TrySetResult(), wake, preferLocal: false);

    // Continuations inline on purpose (see the class remarks): no RunContinuationsAsynchronously.
    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.None);

    private readonly record struct Entry(long PreviousRevision, long Revision, WatchResponse Response);
}
