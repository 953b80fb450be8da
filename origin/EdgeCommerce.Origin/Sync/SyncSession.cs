using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;

namespace EdgeCommerce.Origin.Sync;

/// <summary>
/// One edge's stream, whatever the protocol version: a heartbeat first (the edge learns the head
/// and the cluster id), a snapshot when its state cannot be continued, then every change after the
/// revision last sent, in order, and heartbeats while idle. The session only moves forward from
/// what it sent, so within a stream nothing is skipped or repeated; across streams the edge's
/// <c>from_revision</c> does the same.
/// </summary>
/// <remarks>
/// The stream lives only as long as the token it was opened with: it ends (<c>UNAUTHENTICATED</c>)
/// once that token expires, or once a key set sent after the stream opened no longer holds the key
/// that signed it (a revocation: one propagation, on every origin replica, since each reads the
/// same change log). The edge then reconnects with the token renewed on the stream earlier, or
/// with one an operator gives it.
/// </remarks>
internal sealed partial class SyncSession(
    IOriginStore store,
    ChangeFeed feed,
    RevisionSignal signal,
    EdgeRegistry registry,
    SyncOptions options,
    TimeProvider timeProvider,
    ILogger logger,
    WatchRequest hello,
    long registryToken,
    IServerStreamWriter<WatchResponse> writer,
    SyncTokenRenewer? tokenRenewal,
    EdgeStream? stream = null,
    AccessToken? presented = null,
    EdgeRevocations? relayRevocations = null,
    RelayedTokenRenewer.Stream? downstreamRenewals = null)
{
    private long _offered;
    private long _headAtOpen = long.MaxValue;

    // Completes once the revoked edges differ from those on the last heartbeat to a relay.
    private Task _revocationsHeard = Task.CompletedTask;

    /// <summary>
    /// The highest revision this stream sent (or is sending: set before the write, so an ack can
    /// never overtake it), or confirmed as the edge's own when continuing from its hello. An edge
    /// may acknowledge only up to this.
    /// </summary>
    public long OfferedRevision => Interlocked.Read(ref _offered);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var version = EffectiveVersion(hello);
        var head = await store.GetHeadRevisionAsync(cancellationToken);
        _headAtOpen = head;
        var sent = hello.FromRevision;
        var compacted = await store.GetCompactedRevisionAsync(cancellationToken);
        var reason = SnapshotReason(hello, head, compacted, store.ClusterId);
        if (reason is null)
        {
            // The edge's revision is one of this cluster's, within the log: the stream continues
            // from it, so the edge may acknowledge it (before the heartbeat that prompts it to).
            Offer(sent);
            if (version == 1)
            {
                registry.OnApplied(hello.EdgeId, registryToken, sent);
            }
        }

        await WriteHeartbeatAsync(head, cancellationToken);
        await RenewTokenIfDueAsync(cancellationToken);
        if (reason is not null)
        {
            sent = await SendSnapshotAsync(version, reason, cancellationToken);
        }

        // The first pass reads the log whatever the signal says (the edge may be behind a head this
        // process has not heard of yet), and so does every pass after an idle heartbeat interval.
        var readAnyway = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Take the wait before reading, so a commit between the read and the wait still wakes us.
            var changed = signal.WaitForRevisionAboveAsync(sent);
            if (!changed.IsCompleted && !readAnyway)
            {
                // Nothing was published past what this stream sent: reading the log now would find
                // nothing, at the cost of two store round trips (the empty read and the compaction
                // check) per stream per write. Wait for the next write instead.
                readAnyway = await WaitForChangeAsync(changed, sent, cancellationToken);
                continue;
            }

            readAnyway = false;
            // Shared with every other stream asking from the same revision (one store read and one
            // parse per write, not one per edge).
            var read = await feed.ReadAfterAsync(sent, options.MaxChangesPerBatch, cancellationToken);
            var changes = read.Records;
            // Compaction removed records this edge still needed while it was connected: some of them
            // (the first left is not the next), or all of them (nothing left, yet the horizon is past it).
            if (changes.Count > 0
                ? changes[0].Revision != sent + 1
                : await store.GetCompactedRevisionAsync(cancellationToken) > sent)
            {
                sent = await SendSnapshotAsync(version, "the change log was compacted past it", cancellationToken);
                continue;
            }

            if (changes.Count > 0)
            {
                if (version >= 2)
                {
                    await SendActivatedModelsAsync(changes, cancellationToken);
                }

                Offer(changes[^1].Revision);
                // The shared, pre-encoded response: this write copies its bytes, it does not serialize.
                await writer.WriteAsync(read.Response!, cancellationToken);
                sent = changes[^1].Revision;
                if (PresentedKeyDropped(read.Batch!))
                {
                    // After the batch: the edge needs the new key set to accept its next token.
                    stream?.End(StatusCode.Unauthenticated, "The key that signed this stream's token was revoked; reconnect with a new token.");
                    return;
                }

                if (EndIfTokenExpired())
                {
                    return;
                }

                if (version == 1)
                {
                    // Version 1 edges do not acknowledge: what was sent is the best estimate.
                    registry.OnApplied(hello.EdgeId, registryToken, sent);
                }

                // A full batch may have left records behind that no signal announced (written
                // through another origin replica whose notification was missed): read on.
                readAnyway = changes.Count >= options.MaxChangesPerBatch;
                continue;
            }

            readAnyway = await WaitForChangeAsync(changed, sent, cancellationToken);
        }
    }

    /// <summary>
    /// Waits for <paramref name="changed"/> (a write) or the heartbeat interval, whichever comes
    /// first; on the interval sends a heartbeat. Returns true when the interval passed: the next pass
    /// reads the log even if no write was signalled, which bounds how late a write made through
    /// another origin replica is seen if its notification was missed.
    /// </summary>
    private async Task<bool> WaitForChangeAsync(Task changed, long sent, CancellationToken cancellationToken)
    {
        // WaitAsync disposes its timer as soon as a write wakes the stream: a Task.Delay per wake
        // would leave one live 2-second timer per stream per write under a burst.
        try
        {
            if (relayRevocations is null)
            {
                await changed.WaitAsync(options.HeartbeatInterval, timeProvider, cancellationToken);
                return false;
            }

            // A relay also wakes when the revoked edges changed since its last heartbeat (also
            // while this stream was busy writing): it hears it on a heartbeat now and ends that
            // edge's stream, rather than at its next idle heartbeat.
            await Task.WhenAny(changed, _revocationsHeard).WaitAsync(options.HeartbeatInterval, timeProvider, cancellationToken);
            if (!changed.IsCompleted)
            {
                await WriteHeartbeatAsync(Math.Max(signal.Head, sent), cancellationToken);
            }

            return false;
        }
        catch (TimeoutException)
        {
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            if (EndIfTokenExpired())
            {
                return true;
            }

            await WriteHeartbeatAsync(Math.Max(signal.Head, sent), cancellationToken);
            registry.OnContact(hello.EdgeId, registryToken);
            await RenewTokenIfDueAsync(cancellationToken);
            if (downstreamRenewals is not null && await downstreamRenewals.RenewDueAsync(cancellationToken) is { } renewals)
            {
                await writer.WriteAsync(renewals, cancellationToken);
            }
        }

        return true;
    }

    /// <summary>Ends the stream once the token it was opened with expired: a stolen token must not outlive its expiry on an open stream.</summary>
    private bool EndIfTokenExpired()
    {
        if (presented is null || timeProvider.GetUtcNow() < presented.ExpiresAt)
        {
            return false;
        }

        stream?.End(StatusCode.Unauthenticated, "The token this stream was opened with expired; reconnect with a renewed token.");
        return true;
    }

    private void Offer(long revision)
    {
        if (revision > Interlocked.Read(ref _offered))
        {
            Interlocked.Exchange(ref _offered, revision);
        }
    }

    /// <summary>Whether <paramref name="batch"/> publishes, after this stream opened, a key set without the key that signed the stream's token.</summary>
    private bool PresentedKeyDropped(ChangeBatch batch)
    {
        if (presented is null)
        {
            return false;
        }

        foreach (var change in batch.Changes)
        {
            // Key sets at or below the head the stream opened at are history the token was checked against.
            if (change.KindCase == Change.KindOneofCase.KeysChanged && change.Revision > _headAtOpen
                && !change.KeysChanged.Keys.Any(key => string.Equals(key.Kid, presented.KeyId, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why this edge needs a snapshot, or null when its revision can be continued.</summary>
    internal static string? SnapshotReason(WatchRequest hello, long head, long compacted, string clusterId)
    {
        if (hello.FromRevision == 0)
        {
            return "it holds nothing";
        }

        if (hello.ClusterId.Length > 0 && !string.Equals(hello.ClusterId, clusterId, StringComparison.Ordinal))
        {
            return "its state comes from another origin cluster";
        }

        if (hello.FromRevision > head)
        {
            return "it is ahead of this origin (restored from an older backup?)";
        }

        if (hello.FromRevision < compacted)
        {
            return "it is older than the compacted change log";
        }

        return null;
    }

    private static uint EffectiveVersion(WatchRequest hello) => hello.ProtocolVersion == 0 ? 1 : hello.ProtocolVersion;

    private async Task<long> SendSnapshotAsync(uint version, string reason, CancellationToken cancellationToken)
    {
        await using var snapshot = await store.OpenSnapshotAsync(cancellationToken);
        SyncLog.SnapshotStarting(logger, hello.EdgeId, snapshot.Revision, snapshot.CreatorCount, reason);
        if (version == 1)
        {
            var whole = new Snapshot { Revision = snapshot.Revision, Keys = snapshot.KeySet is { } wholeKeys ? KeySet.Parser.ParseFrom(wholeKeys) : null };
            whole.Drops.Add(snapshot.Drops.Select(DropState.Parser.ParseFrom));
            await foreach (var payload in snapshot.ReadCatalogsAsync(cancellationToken))
            {
                whole.Creators.Add(CreatorCatalog.Parser.ParseFrom(payload));
            }

            Offer(snapshot.Revision);
            await writer.WriteAsync(new WatchResponse { Snapshot = whole }, cancellationToken);
            registry.OnApplied(hello.EdgeId, registryToken, snapshot.Revision);
            return snapshot.Revision;
        }

        // Version 2: bounded chunks, so neither side ever holds the serialized whole.
        await writer.WriteAsync(new WatchResponse { SnapshotBegin = new SnapshotBegin { Revision = snapshot.Revision, Creators = snapshot.CreatorCount } }, cancellationToken);
        var chunk = new SnapshotChunk();
        var chunkBytes = 0;
        var sentCreators = 0;
        await foreach (var payload in snapshot.ReadCatalogsAsync(cancellationToken))
        {
            chunk.Creators.Add(CreatorCatalog.Parser.ParseFrom(payload));
            chunkBytes += payload.Length;
            sentCreators++;
            if (chunkBytes >= options.SnapshotChunkBytes)
            {
                await writer.WriteAsync(new WatchResponse { SnapshotChunk = chunk }, cancellationToken);
                chunk = new SnapshotChunk();
                chunkBytes = 0;
            }
        }

        if (chunk.Creators.Count > 0)
        {
            await writer.WriteAsync(new WatchResponse { SnapshotChunk = chunk }, cancellationToken);
        }

        var end = new SnapshotEnd { Revision = snapshot.Revision, Creators = sentCreators, Keys = snapshot.KeySet is { } keys ? KeySet.Parser.ParseFrom(keys) : null };
        end.Drops.Add(snapshot.Drops.Select(DropState.Parser.ParseFrom));
        end.Model = await SendActiveModelAsync(cancellationToken);
        Offer(snapshot.Revision);
        await writer.WriteAsync(new WatchResponse { SnapshotEnd = end }, cancellationToken);
        return snapshot.Revision;
    }

    private async Task RenewTokenIfDueAsync(CancellationToken cancellationToken)
    {
        if (tokenRenewal is not null && await tokenRenewal.RenewIfDueAsync(cancellationToken) is { } renewal)
        {
            await writer.WriteAsync(renewal, cancellationToken);
        }
    }

    private async Task WriteHeartbeatAsync(long head, CancellationToken cancellationToken)
    {
        var heartbeat = new Heartbeat
        {
            HeadRevision = head,
            OriginTimeUnixMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds(),
            ClusterId = store.ClusterId,
        };
        if (relayRevocations is not null)
        {
            // A relay refuses and ends the streams of revoked edges as the origin does. The signal
            // is taken before the set is read, so a change after the read always wakes the stream.
            _revocationsHeard = relayRevocations.Changed;
            heartbeat.RevokedEdgeIds.Add(await relayRevocations.RevokedAsync(cancellationToken));
        }

        await writer.WriteAsync(new WatchResponse { Heartbeat = heartbeat }, cancellationToken);
    }
}
