using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Observability;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// Keeps the replica following the origin over protocol 2 (<c>Sync</c>): sends hello with the
/// revision and cluster the replica holds, applies what arrives in order, acknowledges each applied
/// revision (or reports a refused batch), and on any break reconnects with jittered exponential
/// backoff, resuming from the same place, so nothing is lost, repeated or reordered. With several
/// origin replicas configured, a stream that fails before delivering anything moves to the next,
/// and so does one that falls silent for <see cref="SyncOptions.IdleTimeout"/> (a hung origin:
/// alive, connected, answering nothing, heartbeats included).
/// </summary>
internal sealed class SyncWorker(
    OriginChannels channels,
    ReplicaHolder holder,
    ReplicaUpdater updater,
    SyncState state,
    IOptions<EdgeOptions> edgeOptions,
    IOptions<SyncOptions> syncOptions,
    TimeProvider timeProvider,
    ILogger<SyncWorker> logger,
    EdgeLoadReport? loadReport = null,
    Relay.RelayDownstreams? downstreams = null,
    Relay.RelayTokenRenewals? relayTokens = null) : BackgroundService
{
    private long _lastLoadReport;

    /// <summary>The protocol version this edge speaks.</summary>
    public const uint ProtocolVersion = 2;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = syncOptions.Value;
        var failures = 0;
        var origin = 0;
        var returning = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var delivered = false;
            var idle = false;
            var leaveFallback = false;
            var returnAttempt = returning;
            returning = false;
            RpcException? failure = null;
            var address = channels.Addresses[origin].ToString();
            try
            {
                delivered = await FollowAsync(origin, options, failures == 0 ? LogLevel.Information : LogLevel.Debug, returnAttempt, stoppingToken);
                SyncLog.StreamEnded(logger);
            }
            catch (Exception ex) when (stoppingToken.IsCancellationRequested && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                // Shutting down: not a failure.
                break;
            }
            catch (ReturnToPreferredException)
            {
                delivered = true;
                leaveFallback = true;
            }
            catch (StreamIdleException)
            {
                delivered = true;
                idle = true;
                SyncLog.StreamIdle(logger, options.IdleTimeout);
            }
            catch (RpcException ex)
            {
                failure = ex;
                SyncLog.StreamFailedDetail(logger, address, ex.StatusCode, ex);
                state.OnStreamFailed($"{ex.StatusCode}: {ex.Status.Detail}");
            }
            catch (ReplicaApplyException ex)
            {
                delivered = true;
                SyncLog.BatchRejected(logger, holder.Current.Revision, ex);
            }
            catch (Exception ex)
            {
                SyncLog.StreamBroken(logger, ex);
                state.OnStreamFailed(ex.GetType().Name + ": " + ex.Message);
            }

            state.OnDisconnected();
            if (leaveFallback)
            {
                // Following a fallback for a while: the preferred address (the regional relay) may
                // be back. Try it at once, from the held revision.
                var preferred = channels.Addresses[0].ToString();
                var revision = holder.Current.Revision;
                SyncLog.Returning(logger, address, preferred, revision);
                origin = 0;
                failures = 0;
                returning = true;
                continue;
            }

            if ((!delivered || idle) && channels.Addresses.Count > 1)
            {
                // Nothing came through, or the origin stopped answering: try the next origin
                // replica, from the revision the replica holds.
                origin = (origin + 1) % channels.Addresses.Count;
                var moved = channels.Addresses[origin].ToString();
                SyncLog.FailingOver(logger, failure is null ? LogLevel.Warning : LogLevel.Debug, moved, holder.Current.Revision);
            }

            if (returnAttempt && !delivered)
            {
                // The preferred address is still gone: straight back along the list (the fallback
                // that was serving), without a backoff or a failure counted against it.
                continue;
            }

            failures = delivered ? 0 : failures + 1;
            var delay = Backoff(options, failures);
            if (failure is not null)
            {
                var reason = Reason(failure);
                var next = channels.Addresses[origin].ToString();
                SyncLog.StreamFailed(logger, address, Math.Max(1, failures), failure.StatusCode, reason, next, Math.Round(delay.TotalSeconds, 1));
            }

            try
            {
                await Task.Delay(delay, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Follows one stream until it ends. Returns whether it delivered anything: on a
    /// <paramref name="returnAttempt"/>, nothing within <see cref="SyncOptions.ReturnTimeout"/> ends it undelivered.
    /// </summary>
    private async Task<bool> FollowAsync(int origin, SyncOptions options, LogLevel openingLevel, bool returnAttempt, CancellationToken stoppingToken)
    {
        var edge = edgeOptions.Value;
        var replica = holder.Current;
        var hello = new WatchRequest
        {
            EdgeId = edge.Id,
            Region = edge.Region,
            PublicUrl = edge.PublicUrl,
            FromRevision = replica.HasSnapshot ? replica.Revision : 0,
            ProtocolVersion = ProtocolVersion,
            ClusterId = replica.ClusterId,
            Relay = downstreams is not null,
        };

        // On a fallback, a jittered timer ends the stream to try the preferred address again.
        using var leave = origin > 0 ? new CancellationTokenSource(ReturnDelay(options), timeProvider) : null;
        // Back at the preferred address: its first message must come soon, or the edge goes back.
        using var unanswered = returnAttempt ? new CancellationTokenSource(options.ReturnTimeout < options.IdleTimeout ? options.ReturnTimeout : options.IdleTimeout, timeProvider) : null;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, leave?.Token ?? default, unanswered?.Token ?? default);
        idle.CancelAfter(options.IdleTimeout);
        var address = channels.Addresses[origin].ToString();
        state.OnStreamOpening(address);
        using var call = channels.Client(origin).Sync(cancellationToken: idle.Token);
        SyncLog.StreamOpening(logger, openingLevel, address, hello.FromRevision);
        var delivered = false;
        try
        {
            await call.RequestStream.WriteAsync(new EdgeMessage { Hello = hello }, idle.Token);
            var clusterId = replica.ClusterId;
            SnapshotAssembly? assembly = null;
            var acked = false;
            var tokensForwarded = false;
            // A relay's first report on a stream lists every edge below it; the later ones what changed.
            var reported = false;
            while (await call.ResponseStream.MoveNext(idle.Token))
            {
                idle.CancelAfter(options.IdleTimeout);
                if (!delivered)
                {
                    unanswered?.CancelAfter(Timeout.InfiniteTimeSpan);
                    delivered = true;
                }

                var response = call.ResponseStream.Current;
                long? applied = null;
                switch (response.KindCase)
                {
                    case WatchResponse.KindOneofCase.Heartbeat:
                        if (response.Heartbeat.ClusterId.Length > 0)
                        {
                            clusterId = response.Heartbeat.ClusterId;
                        }

                        state.OnMessage(response.Heartbeat.HeadRevision);
                        if (downstreams is not null)
                        {
                            // A relay: the origin's revoked edges end here too, and the edges below
                            // are reported up (every heartbeat, so the origin's view stays live).
                            downstreams.OnRevoked(response.Heartbeat.RevokedEdgeIds);
                            await call.RequestStream.WriteAsync(new EdgeMessage { Downstream = downstreams.TakeReport(full: !reported) }, idle.Token);
                            reported = true;
                            await ForwardTokensAsync(call, all: !tokensForwarded, idle.Token);
                            tokensForwarded = true;
                        }

                        if (assembly is null && holder.Current.Revision >= response.Heartbeat.HeadRevision && (DueLoad() is var load && (load is not null || !acked)))
                        {
                            // A quiet stream still reports its traffic: an ack of what it holds, with
                            // the load. Only when caught up: an edge that is behind acks soon anyway.
                            // The first one on a stream goes out at once: the origin counts an edge
                            // as holding nothing on a new stream until it acknowledges.
                            await call.RequestStream.WriteAsync(new EdgeMessage { Ack = new Ack { AppliedRevision = holder.Current.Revision, Load = load } }, idle.Token);
                            acked = true;
                        }

                        break;
                    case WatchResponse.KindOneofCase.SnapshotBegin:
                        assembly = new SnapshotAssembly(response.SnapshotBegin);
                        state.OnMessage(response.SnapshotBegin.Revision);
                        break;
                    case WatchResponse.KindOneofCase.SnapshotChunk:
                        (assembly ?? throw new ReplicaApplyException("A snapshot chunk arrived without a beginning.")).Add(response.SnapshotChunk);
                        state.OnMessage(0);
                        break;
                    case WatchResponse.KindOneofCase.SnapshotEnd:
                        var snapshot = (assembly ?? throw new ReplicaApplyException("A snapshot ended without a beginning.")).Complete(response.SnapshotEnd);
                        assembly = null;
                        await updater.ApplySnapshotAsync(snapshot, clusterId, stoppingToken);
                        applied = snapshot.Revision;
                        break;
                    case WatchResponse.KindOneofCase.Snapshot:
                        await updater.ApplySnapshotAsync(response.Snapshot, clusterId, stoppingToken);
                        applied = response.Snapshot.Revision;
                        break;
                    case WatchResponse.KindOneofCase.ModelChunk:
                        updater.AddModelChunk(response.ModelChunk);
                        state.OnMessage(0);
                        break;
                    case WatchResponse.KindOneofCase.Changes:
                        await ApplyBatchOrRejectAsync(call, response.Changes, idle.Token, stoppingToken);
                        applied = holder.Current.Revision;
                        break;
                    case WatchResponse.KindOneofCase.DownstreamRenewals:
                        // A relay: renewed tokens of the edges below, passed on to their streams.
                        relayTokens?.OnRenewals(response.DownstreamRenewals);
                        state.OnMessage(0);
                        break;
                    case WatchResponse.KindOneofCase.TokenRenewal when response.TokenRenewal.Token.Length > 0:
                        await channels.Credentials.RenewAsync(response.TokenRenewal.Token, stoppingToken);
                        SyncLog.TokenRenewed(logger, response.TokenRenewal.ExpiresAtUnix);
                        break;
                    default:
                        SyncLog.UnknownMessage(logger);
                        break;
                }

                if (applied is { } revision)
                {
                    state.OnMessage(revision);
                    await call.RequestStream.WriteAsync(new EdgeMessage { Ack = new Ack { AppliedRevision = revision, Load = DueLoad() } }, idle.Token);
                    acked = true;
                    if (downstreams is not null && (reported ? downstreams.TakeDueReport() : downstreams.TakeReport(full: true)) is { } report)
                    {
                        // After the ack: the origin caps what an edge below applied at what this relay acknowledged.
                        await call.RequestStream.WriteAsync(new EdgeMessage { Downstream = report }, idle.Token);
                        reported = true;
                    }

                    if (tokensForwarded)
                    {
                        // Edges that connected since: their tokens now, not at the next idle heartbeat.
                        await ForwardTokensAsync(call, all: false, idle.Token);
                    }
                }
            }
        }
        catch (Exception ex) when (idle.IsCancellationRequested && !stoppingToken.IsCancellationRequested
            && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            if (leave?.IsCancellationRequested == true)
            {
                throw new ReturnToPreferredException();
            }

            if (unanswered?.IsCancellationRequested == true && !delivered)
            {
                SyncLog.ReturnUnanswered(logger, address, options.ReturnTimeout < options.IdleTimeout ? options.ReturnTimeout : options.IdleTimeout);
                return false;
            }

            throw new StreamIdleException();
        }

        return delivered;
    }

    /// <summary>
    /// A relay's downstream edges' tokens, for the origin to renew (all of them on a new upstream
    /// stream, since the origin keeps them per stream; afterwards only those of new downstream streams).
    /// </summary>
    private async Task ForwardTokensAsync(AsyncDuplexStreamingCall<EdgeMessage, WatchResponse> call, bool all, CancellationToken cancellationToken)
    {
        if (relayTokens is null)
        {
            return;
        }

        foreach (var tokens in relayTokens.TakeTokens(all))
        {
            await call.RequestStream.WriteAsync(new EdgeMessage { DownstreamTokens = tokens }, cancellationToken);
        }
    }

    /// <summary>
    /// Applies a batch; a refused batch is reported to the origin (NACK) before the stream is
    /// reopened. The edge then closes its side and lets the origin end the stream: resetting the
    /// call at once could discard the NACK before the origin read it. What arrives meanwhile is
    /// dropped (the next stream resumes from the held revision); the idle timeout bounds the wait.
    /// </summary>
    private async Task ApplyBatchOrRejectAsync(AsyncDuplexStreamingCall<EdgeMessage, WatchResponse> call, ChangeBatch batch, CancellationToken idleToken, CancellationToken stoppingToken)
    {
        try
        {
            await updater.ApplyBatchAsync(batch, stoppingToken);
        }
        catch (ReplicaApplyException ex)
        {
            var rejection = new Ack { AppliedRevision = holder.Current.Revision, Rejection = new Rejection { Revision = batch.Revision, Reason = ex.Message } };
            await call.RequestStream.WriteAsync(new EdgeMessage { Ack = rejection }, stoppingToken);
            await call.RequestStream.CompleteAsync();
            try
            {
                while (await call.ResponseStream.MoveNext(idleToken))
                {
                }
            }
            catch (Exception drain) when (drain is OperationCanceledException or RpcException)
            {
                // The origin did not end the stream in time, or the link broke: reconnect anyway.
            }

            throw;
        }
    }

    /// <summary>This edge's load, when a report is due (at most every <see cref="EdgeLoadReport.Interval"/>).</summary>
    private EdgeLoad? DueLoad()
    {
        if (loadReport is null)
        {
            return null;
        }

        var now = timeProvider.GetTimestamp();
        if (_lastLoadReport != 0 && timeProvider.GetElapsedTime(_lastLoadReport, now) < EdgeLoadReport.Interval)
        {
            return null;
        }

        _lastLoadReport = now;
        return loadReport.Build();
    }

    /// <summary>Equal jitter: half the exponential step fixed, half random, capped.</summary>
    /// <summary>
    /// Why an attempt failed, on one line: the status detail and the root cause under it
    /// ("Error connecting to subchannel; Connection refused"), without a stack trace.
    /// </summary>
    internal static string Reason(RpcException failure)
    {
        var detail = OneLine(failure.Status.Detail);
        var cause = failure.Status.DebugException?.GetBaseException().Message is { Length: > 0 } message ? OneLine(message) : "";
        return cause.Length == 0 || detail.Contains(cause, StringComparison.Ordinal) ? detail : detail + "; " + cause;
    }

    private static string OneLine(string text)
        => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');

    internal static TimeSpan Backoff(SyncOptions options, int failures)
    {
        var exponent = Math.Min(failures, 16);
        var ceiling = Math.Min(options.MaxBackoff.TotalMilliseconds, options.InitialBackoff.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2));
    }

    /// <summary>How long a fallback stream runs before the preferred address is tried again: between half of <see cref="SyncOptions.ReturnInterval"/> and all of it.</summary>
    internal static TimeSpan ReturnDelay(SyncOptions options)
        => options.ReturnInterval * (0.5 + (Random.Shared.NextDouble() / 2));

    private sealed class StreamIdleException : Exception;

    private sealed class ReturnToPreferredException : Exception;
}
