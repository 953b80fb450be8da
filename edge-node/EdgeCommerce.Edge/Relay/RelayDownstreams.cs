using System.Collections.Concurrent;
using EdgeCommerce.Contracts.Sync;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Relay;

/// <summary>
/// The edges streaming from this relay, as it verified them: each one's hello, the revision it
/// acknowledged (never above what this relay sent it) and its last load report, for forwarding
/// upstream. One stream per edge: a newer stream ends the older one (<c>ABORTED</c>).
/// </summary>
/// <remarks>
/// Reports are coalesced so the origin's work does not grow with writes × edges: after a stream's
/// first (full) report, each one lists only the edges that changed since the previous one (new
/// edges with their identity, the others with their new applied revision or load) and the edges
/// that left, and between upstream heartbeats at most one goes out per
/// <see cref="RelayOptions.ReportInterval"/>, however many acknowledgements arrived meanwhile.
/// </remarks>
internal sealed class RelayDownstreams(TimeProvider timeProvider, IOptions<RelayOptions> options)
{
    private readonly ConcurrentDictionary<string, Downstream> _edges = new(StringComparer.Ordinal);
    private readonly Lock _goneGate = new();
    private readonly HashSet<string> _gone = new(StringComparer.Ordinal);
    private volatile HashSet<string> _revoked = new(StringComparer.Ordinal);
    private int _changed;
    private long _reportedAt;

    /// <summary>Whether the origin said <paramref name="edgeId"/> is revoked (on its last heartbeat to this relay).</summary>
    public bool IsRevoked(string edgeId) => _revoked.Contains(edgeId);

    /// <summary>The origin's revoked edges, from a heartbeat: their streams here end as they would at the origin.</summary>
    public void OnRevoked(IEnumerable<string> edgeIds)
    {
        var revoked = new HashSet<string>(edgeIds, StringComparer.Ordinal);
        _revoked = revoked;
        foreach (var edgeId in revoked)
        {
            End(edgeId, StatusCode.PermissionDenied, "This edge was revoked by the operator.");
        }
    }

    /// <summary>
    /// A report for the upstream stream: every edge with its identity when <paramref name="full"/>
    /// (the stream's first: the upstream knows nothing of this relay's edges yet), otherwise a delta
    /// of what changed since the previous report (possibly empty: it still tells the upstream that
    /// the edges it knows are there).
    /// </summary>
    public DownstreamReport TakeReport(bool full)
    {
        Interlocked.Exchange(ref _changed, 0);
        Interlocked.Exchange(ref _reportedAt, timeProvider.GetTimestamp());
        var report = new DownstreamReport { Delta = !full };
        lock (_goneGate)
        {
            if (!full)
            {
                report.GoneEdgeIds.Add(_gone);
            }

            _gone.Clear();
        }

        foreach (var stream in _edges.Values)
        {
            var applied = stream.Applied;
            var load = stream.TakeLoad();
            var introduce = full || !stream.Reported;
            if (!introduce && applied == stream.ReportedApplied && load is null)
            {
                continue;
            }

            var edge = new DownstreamEdge { EdgeId = stream.Hello.EdgeId, AppliedRevision = applied, Load = load };
            if (introduce)
            {
                edge.Region = stream.Hello.Region;
                edge.PublicUrl = stream.Hello.PublicUrl;
            }

            stream.Reported = true;
            stream.ReportedApplied = applied;
            report.Edges.Add(edge);
        }

        return report;
    }

    /// <summary>
    /// A delta report when something changed and <see cref="RelayOptions.ReportInterval"/> passed
    /// since the previous report, otherwise null (what changed goes with a later one).
    /// </summary>
    public DownstreamReport? TakeDueReport()
    {
        if (Volatile.Read(ref _changed) == 0
            || timeProvider.GetElapsedTime(Interlocked.Read(ref _reportedAt)) < options.Value.ReportInterval)
        {
            return null;
        }

        return TakeReport(full: false);
    }

    /// <summary>Something a report carries changed.</summary>
    internal void MarkChanged() => Interlocked.Exchange(ref _changed, 1);

    /// <summary>Registers a new stream of <paramref name="hello"/>'s edge, ending its older one.</summary>
    public Downstream Connect(WatchRequest hello)
    {
        var next = new Downstream(this, hello, timeProvider.GetUtcNow());
        Downstream? previous = null;
        _edges.AddOrUpdate(hello.EdgeId, next, (_, old) =>
        {
            previous = old;
            return next;
        });
        previous?.End(StatusCode.Aborted, "A newer stream of this edge replaced this one.");
        lock (_goneGate)
        {
            _gone.Remove(hello.EdgeId);
        }

        MarkChanged();
        return next;
    }

    /// <summary>Forgets <paramref name="stream"/> unless a newer stream of its edge replaced it.</summary>
    public void Disconnect(Downstream stream)
    {
        if (_edges.TryRemove(new KeyValuePair<string, Downstream>(stream.Hello.EdgeId, stream)))
        {
            lock (_goneGate)
            {
                _gone.Add(stream.Hello.EdgeId);
            }

            MarkChanged();
        }
    }

    /// <summary>The connected downstream edges now.</summary>
    public IReadOnlyList<Downstream> Connected => [.. _edges.Values];

    /// <summary>Ends the stream of <paramref name="edgeId"/>, if any.</summary>
    public void End(string edgeId, StatusCode status, string detail)
    {
        if (_edges.TryGetValue(edgeId, out var stream))
        {
            stream.End(status, detail);
        }
    }

    /// <summary>One downstream stream.</summary>
    internal sealed class Downstream(RelayDownstreams owner, WatchRequest hello, DateTimeOffset connectedAt) : IDisposable
    {
        private EdgeLoad? _load;

        private readonly CancellationTokenSource _ended = new();
        private long _applied;

        public WatchRequest Hello { get; } = hello;

        public DateTimeOffset ConnectedAt { get; } = connectedAt;

        /// <summary>The highest revision the edge acknowledged on this stream (0 until it does).</summary>
        public long Applied => Interlocked.Read(ref _applied);

        /// <summary>Whether an upstream report introduced this stream's edge (with its identity); only the report taker touches it.</summary>
        internal bool Reported { get; set; }

        /// <summary>The applied revision the last upstream report carried; only the report taker touches it.</summary>
        internal long ReportedApplied { get; set; }

        /// <summary>The edge's load report since the last upstream report, or null (each goes upstream once).</summary>
        public EdgeLoad? TakeLoad() => Interlocked.Exchange(ref _load, null);

        /// <summary>Why the relay ended the stream, or null.</summary>
        public RpcException? Reason { get; private set; }

        public CancellationToken Ended => _ended.Token;

        public void OnApplied(long revision, EdgeLoad? load)
        {
            if (revision > Interlocked.Read(ref _applied))
            {
                Interlocked.Exchange(ref _applied, revision);
                owner.MarkChanged();
            }

            if (load is not null)
            {
                Volatile.Write(ref _load, load);
                owner.MarkChanged();
            }
        }

        public void End(StatusCode status, string detail)
        {
            Reason ??= new RpcException(new Status(status, detail));
            try
            {
                _ended.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream already finished.
            }
        }

        public void Dispose() => _ended.Dispose();
    }
}
