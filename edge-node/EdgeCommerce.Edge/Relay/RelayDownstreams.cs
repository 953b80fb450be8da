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
/// first (full) report, each one lists only the edges whose state changed since the previous one
/// and the edges that left, and between upstream heartbeats at most one goes out per
/// <see cref="RelayOptions.ReportInterval"/>, however many acknowledgements arrived meanwhile.
/// Every write moves every edge's applied revision, so that alone is not listed: an edge that keeps
/// up is reported once as a <em>follower</em>, and each report carries one revision all followers
/// acknowledged (<see cref="DownstreamReport.FollowedRevision"/>), which the origin shows them at.
/// An edge keeps up when, by this report, it acknowledged what the furthest edge had acknowledged by
/// the previous one (so one report interval of slack, no clock). The others (laggards, and edges
/// that acknowledged nothing yet) are listed with their own revision whenever it moves; an edge
/// moving between the two is listed once. A load report goes up only when it moved materially
/// (<see cref="IsMaterial"/>) or the last one forwarded is <see cref="LoadRefresh"/> old.
/// </remarks>
internal sealed class RelayDownstreams(TimeProvider timeProvider, IOptions<RelayOptions> options)
{
    private readonly ConcurrentDictionary<string, Downstream> _edges = new(StringComparer.Ordinal);
    private readonly Lock _goneGate = new();
    private readonly HashSet<string> _gone = new(StringComparer.Ordinal);
    private volatile HashSet<string> _revoked = new(StringComparer.Ordinal);
    private int _changed;
    private long _reportedAt;
    private long _previousTop;

    /// <summary>
    /// How old the load last forwarded for an edge may get before an unchanged one goes up again:
    /// well within the origin's <c>Observability:ReportTimeToLive</c> (30 s by default), so a steady
    /// edge's numbers stay on the dashboard.
    /// </summary>
    internal static readonly TimeSpan LoadRefresh = TimeSpan.FromSeconds(15);

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
    /// the edges it knows are there, and where the followers are).
    /// </summary>
    /// <remarks>Called by the upstream stream's worker only (one at a time).</remarks>
    public DownstreamReport TakeReport(bool full)
    {
        Interlocked.Exchange(ref _changed, 0);
        var now = timeProvider.GetTimestamp();
        Interlocked.Exchange(ref _reportedAt, now);
        var report = new DownstreamReport { Delta = !full };
        lock (_goneGate)
        {
            if (!full)
            {
                report.GoneEdgeIds.Add(_gone);
            }

            _gone.Clear();
        }

        long top = 0;
        foreach (var stream in _edges.Values)
        {
            top = Math.Max(top, stream.Applied);
        }

        // What the furthest edge had by the previous report (not above the furthest now: it may have left).
        var keepUp = Math.Min(_previousTop, top);
        _previousTop = top;
        var followed = long.MaxValue;
        foreach (var stream in _edges.Values)
        {
            var applied = stream.Applied;
            // Nothing acknowledged yet (a new stream, a snapshot on its way) is not keeping up with anything.
            var follower = applied > 0 && applied >= keepUp;
            if (follower)
            {
                followed = Math.Min(followed, applied);
            }

            var load = stream.TakeLoad();
            // A new upstream stream (perhaps another origin replica) gets every load there is.
            if (load is not null && !full && !IsMaterial(load, stream.ForwardedLoad) && timeProvider.GetElapsedTime(stream.ForwardedLoadAt, now) < LoadRefresh)
            {
                load = null;
            }

            var introduce = full || !stream.Reported;
            if (!introduce && follower == stream.ReportedFollower && (follower || applied == stream.ReportedApplied) && load is null)
            {
                continue;
            }

            var edge = new DownstreamEdge { EdgeId = stream.Hello.EdgeId, AppliedRevision = applied, Load = load, Follower = follower };
            if (introduce)
            {
                edge.Region = stream.Hello.Region;
                edge.PublicUrl = stream.Hello.PublicUrl;
            }

            if (load is not null)
            {
                stream.ForwardedLoad = load;
                stream.ForwardedLoadAt = now;
            }

            stream.Reported = true;
            stream.ReportedApplied = applied;
            stream.ReportedFollower = follower;
            report.Edges.Add(edge);
        }

        // A revision every follower holds (each may hold more): what the origin shows them at.
        report.FollowedRevision = followed == long.MaxValue ? 0 : followed;
        return report;
    }

    /// <summary>
    /// Whether <paramref name="load"/> says something <paramref name="forwarded"/> (the last one sent
    /// up for the edge) does not, at the precision the dashboard needs: a latency or the request rate
    /// 10% off (sub-millisecond and sub-request-per-second moves aside), the widget hit ratio 2 points
    /// off, any change in server errors, something measured that was not (or the reverse), or drop
    /// funnel counts that moved. The numbers of a busy edge change at every report; these do not
    /// change with every write.
    /// </summary>
    internal static bool IsMaterial(EdgeLoad load, EdgeLoad? forwarded)
    {
        if (forwarded is null)
        {
            return true;
        }

        return Moved(load.HasP50Ms, load.P50Ms, forwarded.HasP50Ms, forwarded.P50Ms, 0.5)
            || Moved(load.HasP95Ms, load.P95Ms, forwarded.HasP95Ms, forwarded.P95Ms, 0.5)
            || Moved(load.HasP99Ms, load.P99Ms, forwarded.HasP99Ms, forwarded.P99Ms, 0.5)
            || Moved(true, load.RequestsPerSecond, true, forwarded.RequestsPerSecond, 0.5)
            || load.HasCacheHitRatio != forwarded.HasCacheHitRatio
            || Math.Abs(load.CacheHitRatio - forwarded.CacheHitRatio) > 0.02
            || load.ServerErrors != forwarded.ServerErrors
            || !string.Equals(load.BootId, forwarded.BootId, StringComparison.Ordinal)
            || !load.DropFunnels.Equals(forwarded.DropFunnels);

        static bool Moved(bool has, double value, bool had, double was, double floor)
            => has != had || Math.Abs(value - was) > Math.Max(0.1 * Math.Abs(was), floor);
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

        /// <summary>Whether the last upstream report that listed the edge called it a follower; only the report taker touches it.</summary>
        internal bool ReportedFollower { get; set; }

        /// <summary>The load last sent upstream for the edge, and when (timestamp); only the report taker touches them.</summary>
        internal EdgeLoad? ForwardedLoad { get; set; }

        internal long ForwardedLoadAt { get; set; }

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
