using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeCommerce.Contracts.Sync;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeCommerce.Benchmarks.Fanout;

/// <summary>
/// N simulated edges in this process: each holds a real <c>CatalogSync.Sync</c> stream with its own
/// <c>edge:sync</c> token and says hello as the edge's <c>SyncWorker</c> does, but applies nothing:
/// it records when each revision arrived and acknowledges it (after a snapshot, after each batch,
/// and once on the first heartbeat that finds it caught up, as the real edge does). Streams share a
/// few HTTP/2 connections per upstream (a channel each, with
/// <see cref="SocketsHttpHandler.EnableMultipleHttp2Connections"/> so a server's stream limit opens
/// another connection instead of queueing). A stream that breaks is counted and reopened from the
/// revision it holds.
/// </summary>
internal sealed class SimulatedEdges : IAsyncDisposable
{
    private readonly SimulatedEdge[] _edges;
    private readonly GrpcChannel[][] _channels;
    private readonly ArrivalBoard _board;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, int> _endings = new(StringComparer.Ordinal);
    private readonly List<Task> _loops = [];
    private int _reconnects;
    private int _outOfOrder;
    private int _disposed;
    private string _clusterId = "";

    /// <param name="upstreams">Where the edges connect (the origin, relays, or latency proxies in front of them); edge i uses <c>upstreams[edge.Upstream]</c>.</param>
    public SimulatedEdges(IReadOnlyList<SimulatedEdge> edges, IReadOnlyList<Uri> upstreams, int connectionsPerUpstream, ArrivalBoard board)
    {
        _edges = [.. edges];
        _board = board;
        _channels = upstreams.Select(address => Enumerable.Range(0, connectionsPerUpstream).Select(_ => GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            // A handler per channel: each is its own connection pool, so the streams spread over
            // `connectionsPerUpstream` connections at least.
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                ConnectTimeout = TimeSpan.FromSeconds(15),
            },
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 256 * 1024 * 1024,
        })).ToArray()).ToArray();
    }

    public int Count => _edges.Length;

    /// <summary>Streams that ended (or failed) and were reopened.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Batches whose <c>previous_revision</c> was not the revision the edge held (never expected: a gap or a repeat).</summary>
    public int OutOfOrder => Volatile.Read(ref _outOfOrder);

    /// <summary>How streams ended, by status ("Unavailable: …"), with counts.</summary>
    public IReadOnlyDictionary<string, int> Endings => _endings;

    /// <summary>Edges holding less than <paramref name="revision"/> now.</summary>
    public int Behind(long revision) => _edges.Count(e => e.Held < revision);

    /// <summary>Opens the streams, <paramref name="wave"/> at a time, and returns once every edge acknowledged <paramref name="head"/> or more.</summary>
    /// <param name="cold">
    /// Every edge starts empty and takes a snapshot. Otherwise only the first wave does; the later
    /// ones start as edges that persisted the seed would after a restart (hello from
    /// <paramref name="head"/> with the cluster id the first wave learnt), so the origin continues
    /// their streams without a snapshot: thousands of snapshots on two loaded cores take minutes
    /// and are not what the benchmark measures.
    /// </param>
    /// <param name="afterWave">Called with the number of streams caught up so far, after each wave.</param>
    public async Task StartAsync(long head, int wave, bool cold, TimeSpan timeout, Action<int> afterWave, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var opened = 0;
        foreach (var group in _edges.Chunk(wave))
        {
            foreach (var edge in group)
            {
                if (!cold && opened > 0 && Volatile.Read(ref _clusterId).Length > 0)
                {
                    edge.Held = head;
                }

                _loops.Add(Task.Run(() => FollowAsync(edge), CancellationToken.None));
            }

            try
            {
                // A wave at a time: thousands of snapshots at once only slow every one of them.
                await Task.WhenAll(group.Select(e => e.WaitForAckAsync(head))).WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                var late = _edges.Where(e => e.Acked < head).ToList();
                throw new TimeoutException($"{late.Count} of {_edges.Length} simulated edges had not acknowledged revision {head} after {timeout} (first: {string.Join(", ", late.Take(5).Select(static e => e.Id))}); stream endings: {DescribeEndings()}");
            }

            opened += group.Length;
            afterWave(opened);
        }
    }

    /// <summary>Opens one stream to <paramref name="upstream"/> for <paramref name="edge"/> and returns its first failure status, or null once it acknowledged something.</summary>
    public static async Task<RpcException?> ProbeAsync(Uri upstream, SimulatedEdge edge, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(upstream, new GrpcChannelOptions { MaxReceiveMessageSize = 256 * 1024 * 1024 });
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(SyncFrame.SyncMethod, null, Options(edge, deadline.Token));
            await call.RequestStream.WriteAsync(Hello(edge, 0, ""), deadline.Token);
            while (await call.ResponseStream.MoveNext(deadline.Token))
            {
                if (call.ResponseStream.Current.Kind is WatchResponse.KindOneofCase.SnapshotEnd or WatchResponse.KindOneofCase.Snapshot or WatchResponse.KindOneofCase.Heartbeat)
                {
                    return null;
                }
            }

            return new RpcException(new Status(StatusCode.Unknown, "The stream ended before a heartbeat or a snapshot."));
        }
        catch (RpcException ex)
        {
            return ex;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new RpcException(new Status(StatusCode.DeadlineExceeded, $"Nothing arrived within {timeout}."));
        }
    }

    public string DescribeEndings()
        => _endings.IsEmpty ? "none" : string.Join("; ", _endings.OrderByDescending(static e => e.Value).Select(static e => $"{e.Value}× {e.Key}"));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        foreach (var channel in _channels.SelectMany(static c => c))
        {
            channel.Dispose();
        }

        _stop.Dispose();
    }

    private static EdgeMessage Hello(SimulatedEdge edge, long fromRevision, string clusterId) => new()
    {
        Hello = new WatchRequest
        {
            EdgeId = edge.Id,
            Region = edge.Region,
            // A loopback URL (the origin's default URL policy allows loopback only): the edge is listed
            // in the registry and offered by /v1/edges/nearest as a real one would be.
            PublicUrl = "http://127.0.0.1/" + edge.Id + "/",
            FromRevision = fromRevision,
            ProtocolVersion = 2,
            ClusterId = clusterId,
        },
    };

    private static CallOptions Options(SimulatedEdge edge, CancellationToken cancellationToken)
        => new(new Metadata { { "authorization", "Bearer " + edge.Token } }, cancellationToken: cancellationToken);

    private async Task FollowAsync(SimulatedEdge edge)
    {
        var channels = _channels[edge.Upstream];
        var invoker = channels[edge.Index / _channels.Length % channels.Length].CreateCallInvoker();
        // An edge that starts holding the seed presents the cluster it came from, as a persisted replica does.
        var clusterId = edge.Held > 0 ? Volatile.Read(ref _clusterId) : "";
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var call = invoker.AsyncDuplexStreamingCall(SyncFrame.SyncMethod, null, Options(edge, _stop.Token));
                await call.RequestStream.WriteAsync(Hello(edge, edge.Held, clusterId), _stop.Token);
                var acked = false;
                while (await call.ResponseStream.MoveNext(_stop.Token))
                {
                    var arrived = Stopwatch.GetTimestamp();
                    var frame = call.ResponseStream.Current;
                    long? applied = null;
                    switch (frame.Kind)
                    {
                        case WatchResponse.KindOneofCase.Heartbeat:
                            if (frame.ClusterId is { Length: > 0 } cluster)
                            {
                                clusterId = cluster;
                                Volatile.Write(ref _clusterId, cluster);
                            }

                            if (!acked && edge.Held >= frame.Revision)
                            {
                                applied = edge.Held;
                            }

                            break;
                        case WatchResponse.KindOneofCase.SnapshotEnd:
                        case WatchResponse.KindOneofCase.Snapshot:
                            _board.Record(edge.Index, edge.Held, frame.Revision, arrived);
                            applied = frame.Revision;
                            break;
                        case WatchResponse.KindOneofCase.Changes:
                            if (frame.PreviousRevision != edge.Held)
                            {
                                Interlocked.Increment(ref _outOfOrder);
                            }

                            _board.Record(edge.Index, edge.Held, frame.Revision, arrived);
                            applied = frame.Revision;
                            break;
                    }

                    if (applied is { } revision)
                    {
                        edge.Held = revision;
                        await call.RequestStream.WriteAsync(new EdgeMessage { Ack = new Ack { AppliedRevision = revision } }, _stop.Token);
                        acked = true;
                        edge.OnAcked(revision);
                        failures = 0;
                    }
                }

                Ended(edge, "the upstream ended the stream (OK)");
            }
            catch (Exception ex) when (_stop.IsCancellationRequested && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                return;
            }
            catch (RpcException ex)
            {
                Ended(edge, $"{ex.StatusCode}: {ex.Status.Detail}");
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidDataException)
            {
                Ended(edge, $"{ex.GetType().Name}: {ex.Message}");
            }

            // As the edge's SyncWorker: back off (here 100 ms doubling to 2 s) and resume from what it holds.
            failures++;
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * Math.Pow(2, Math.Min(failures, 5)))), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Ended(SimulatedEdge edge, string reason)
    {
        Interlocked.Increment(ref _reconnects);
        edge.Reconnects++;
        _endings.AddOrUpdate(reason.Length > 160 ? reason[..160] : reason, 1, static (_, n) => n + 1);
    }
}
