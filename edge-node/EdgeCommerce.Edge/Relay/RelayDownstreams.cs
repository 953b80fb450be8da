using System.Collections.Concurrent;
using EdgeCommerce.Contracts.Sync;
using Grpc.Core;

namespace EdgeCommerce.Edge.Relay;

/// <summary>
/// The edges streaming from this relay, as it verified them: each one's hello, the revision it
/// acknowledged (never above what this relay sent it) and its last load report, for forwarding
/// upstream. One stream per edge: a newer stream ends the older one (<c>ABORTED</c>).
/// </summary>
internal sealed class RelayDownstreams(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, Downstream> _edges = new(StringComparer.Ordinal);
    private volatile HashSet<string> _revoked = new(StringComparer.Ordinal);
    private int _changed;

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
    /// The downstream edges to report upstream, or null when nothing changed since the last report
    /// and <paramref name="force"/> is false.
    /// </summary>
    public DownstreamReport? TakeReport(bool force)
    {
        if (Interlocked.Exchange(ref _changed, 0) == 0 && !force)
        {
            return null;
        }

        var report = new DownstreamReport();
        foreach (var stream in _edges.Values)
        {
            report.Edges.Add(new DownstreamEdge
            {
                EdgeId = stream.Hello.EdgeId,
                Region = stream.Hello.Region,
                PublicUrl = stream.Hello.PublicUrl,
                AppliedRevision = stream.Applied,
                Load = stream.TakeLoad(),
            });
        }

        return report;
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
        MarkChanged();
        return next;
    }

    /// <summary>Forgets <paramref name="stream"/> unless a newer stream of its edge replaced it.</summary>
    public void Disconnect(Downstream stream)
    {
        if (_edges.TryRemove(new KeyValuePair<string, Downstream>(stream.Hello.EdgeId, stream)))
        {
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
