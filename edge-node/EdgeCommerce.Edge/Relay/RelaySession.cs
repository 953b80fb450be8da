using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;

namespace EdgeCommerce.Edge.Relay;

/// <summary>
/// One downstream edge's stream at a relay: a heartbeat, a snapshot of the relay's replica when
/// the edge's revision cannot be continued from <see cref="RelayChangeLog"/>, then every batch
/// after the revision last sent, in order, and heartbeats while idle. Like the origin's session it
/// only moves forward from what it sent, so nothing is skipped or repeated within a stream.
/// </summary>
internal sealed class RelaySession(
    ReplicaHolder holder,
    RelayChangeLog log,
    RelayOptions options,
    EdgeOptions edgeOptions,
    TimeProvider timeProvider,
    ILogger logger,
    WatchRequest hello,
    AccessToken presented,
    IServerStreamWriter<WatchResponse> writer,
    RelayDownstreams.Downstream stream,
    RelayTokenRenewals.Registration? renewal = null)
{
    private readonly HashSet<string> _modelsSent = new(StringComparer.Ordinal);
    private long _offered;
    private long _lastWrite;

    /// <summary>The highest revision this stream sent or is sending (set before the write, so an ack never overtakes it).</summary>
    public long OfferedRevision => Interlocked.Read(ref _offered);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Completed once when the stream ends, instead of a cancellation registration per wait.
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), stopped);
        var replica = holder.Current;
        var openedAt = replica.Revision;
        var sent = hello.FromRevision;
        var reason = SnapshotReason(hello, replica, log.Start);
        if (reason is null)
        {
            // Continued from the edge's own revision (possibly ahead of this relay, which then
            // sends nothing until its log passes it: a snapshot would move the edge backwards).
            Offer(sent);
        }

        await WriteHeartbeatAsync(Math.Max(replica.Revision, 0), replica.ClusterId, cancellationToken);
        if (reason is not null)
        {
            sent = await SendSnapshotAsync(replica, reason, cancellationToken);
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var (batches, wake) = log.ReadAfter(sent);
            if (batches is null)
            {
                // The log restarted past this stream (the relay took a snapshot from upstream):
                // the edge gets the relay's new state whole, once the replica holds it.
                await holder.WaitForRevisionAsync(log.Start, cancellationToken);
                sent = await SendSnapshotAsync(holder.Current, "the relay's log restarted past it", cancellationToken);
                continue;
            }

            foreach (var response in batches)
            {
                await SendModelsOfAsync(response.Changes, cancellationToken);
                Offer(response.Changes.Revision);
                await WriteAsync(response, cancellationToken);
                sent = response.Changes.Revision;
                if (PresentedKeyDropped(response.Changes, openedAt))
                {
                    stream.End(StatusCode.Unauthenticated, "The key that signed this stream's token was revoked; reconnect with a new token.");
                    return;
                }
            }

            if (EndIfTokenExpired())
            {
                return;
            }

            await SendRenewalAsync(cancellationToken);
            if (batches.Count > 0)
            {
                continue;
            }

            if (HeartbeatDue())
            {
                await WriteHeartbeatAsync(Math.Max(log.Head, sent), holder.Current.ClusterId, cancellationToken);
            }

            // The log's wake (next append, or its heartbeat tick) or the stream's end. The wake's
            // continuations run inline, one stream after another, so nothing here may block.
            await Task.WhenAny(wake, stopped.Task);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Whether the stream is due a heartbeat at this wake: nothing written for half the interval.
    /// The log's ticks come every interval, so a stream is never silent for more than 1.5 intervals.
    /// </summary>
    internal bool HeartbeatDue()
        => timeProvider.GetElapsedTime(Interlocked.Read(ref _lastWrite)) >= options.HeartbeatInterval / 2;

    /// <summary>The edge's token as the origin renewed it (through this relay's stream), sent as the origin would send it to a direct edge.</summary>
    private async Task SendRenewalAsync(CancellationToken cancellationToken)
    {
        if (renewal?.TakePending() is { } renewed)
        {
            await WriteAsync(new WatchResponse { TokenRenewal = renewed }, cancellationToken);
        }
    }

    /// <summary>Why the edge needs a snapshot of this relay's replica, or null when its revision can be continued.</summary>
    internal static string? SnapshotReason(WatchRequest hello, CatalogReplica replica, long logStart)
    {
        if (hello.FromRevision == 0)
        {
            return "it holds nothing";
        }

        if (hello.ClusterId.Length > 0 && !string.Equals(hello.ClusterId, replica.ClusterId, StringComparison.Ordinal))
        {
            return "its state comes from another origin cluster";
        }

        return hello.FromRevision < logStart ? "it is older than the relay's log" : null;
    }

    private bool EndIfTokenExpired()
    {
        if (timeProvider.GetUtcNow() < presented.ExpiresAt)
        {
            return false;
        }

        stream.End(StatusCode.Unauthenticated, "The token this stream was opened with expired; reconnect with a renewed token.");
        return true;
    }

    private void Offer(long revision)
    {
        if (revision > Interlocked.Read(ref _offered))
        {
            Interlocked.Exchange(ref _offered, revision);
        }
    }

    private bool PresentedKeyDropped(ChangeBatch batch, long openedAt)
    {
        foreach (var change in batch.Changes)
        {
            if (change.KindCase == Change.KindOneofCase.KeysChanged && change.Revision > openedAt
                && !change.KeysChanged.Keys.Any(key => string.Equals(key.Kid, presented.KeyId, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<long> SendSnapshotAsync(CatalogReplica replica, string reason, CancellationToken cancellationToken)
    {
        RelayLog.SnapshotStarting(logger, hello.EdgeId, replica.Revision, reason);
        await WriteAsync(new WatchResponse { SnapshotBegin = new SnapshotBegin { Revision = replica.Revision, Creators = replica.Creators.Count } }, cancellationToken);
        var chunk = new SnapshotChunk();
        var chunkBytes = 0;
        foreach (var catalog in replica.Creators.Values.OrderBy(static c => c.CreatorId, StringComparer.Ordinal))
        {
            chunk.Creators.Add(catalog);
            chunkBytes += catalog.CalculateSize();
            if (chunkBytes >= options.SnapshotChunkBytes)
            {
                await WriteAsync(new WatchResponse { SnapshotChunk = chunk }, cancellationToken);
                chunk = new SnapshotChunk();
                chunkBytes = 0;
            }
        }

        if (chunk.Creators.Count > 0)
        {
            await WriteAsync(new WatchResponse { SnapshotChunk = chunk }, cancellationToken);
        }

        var end = new SnapshotEnd { Revision = replica.Revision, Creators = replica.Creators.Count, Keys = replica.Keys, Model = replica.Model };
        end.Drops.Add(replica.Drops.Values.OrderBy(static d => d.DropId, StringComparer.Ordinal));
        if (replica.Model is { } model)
        {
            await SendModelAsync(model, cancellationToken);
        }

        Offer(replica.Revision);
        await WriteAsync(new WatchResponse { SnapshotEnd = end }, cancellationToken);
        return replica.Revision;
    }

    private async Task SendModelsOfAsync(ChangeBatch batch, CancellationToken cancellationToken)
    {
        foreach (var change in batch.Changes)
        {
            if (change.KindCase == Change.KindOneofCase.ModelActivated)
            {
                await SendModelAsync(change.ModelActivated, cancellationToken);
            }
        }
    }

    /// <summary>
    /// A model's bytes from this relay's own disk (where its <c>ModelActivator</c> kept them before
    /// the activation was applied), in chunks ahead of the activation, once per stream; read and
    /// encoded once for all streams (<see cref="RelayChangeLog.Models"/>).
    /// </summary>
    private async Task SendModelAsync(ModelActivation model, CancellationToken cancellationToken)
    {
        if (model.Sha256.Length == 0 || _modelsSent.Contains(model.Sha256))
        {
            return;
        }

        if (await log.Models.GetAsync(model.Sha256, options.SnapshotChunkBytes, () => ReadModelAsync(model), cancellationToken) is not { } chunks)
        {
            RelayLog.ModelMissing(logger, model.Version, model.Sha256);
            return;
        }

        foreach (var chunk in chunks)
        {
            await WriteAsync(chunk, cancellationToken);
        }

        _modelsSent.Add(model.Sha256);
    }

    private async Task<(string Version, byte[] Onnx)?> ReadModelAsync(ModelActivation model)
    {
        // The name comes from the origin's change log, but it becomes a path: hex digits only.
        if (!model.Sha256.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        var path = Path.Combine(Path.GetFullPath(edgeOptions.DataDirectory), "models", model.Sha256 + ".onnx");
        try
        {
            return (model.Version, await File.ReadAllBytesAsync(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private Task WriteHeartbeatAsync(long head, string clusterId, CancellationToken cancellationToken)
        => WriteAsync(log.Heartbeat(head, clusterId, timeProvider.GetUtcNow()), cancellationToken);

    private Task WriteAsync(WatchResponse response, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastWrite, timeProvider.GetTimestamp());
        return writer.WriteAsync(response, cancellationToken);
    }
}
