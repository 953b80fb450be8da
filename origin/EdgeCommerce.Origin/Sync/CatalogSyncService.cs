using System.Diagnostics.CodeAnalysis;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Sync;

/// <summary>
/// Serves <c>Watch</c>: a heartbeat (so the edge knows it is connected and how far the head is),
/// a snapshot when the edge holds nothing or is ahead of us, then every change after the edge's
/// revision in order, then heartbeats while idle. The stream only moves forward from the
/// revision it last sent, so nothing is skipped or repeated within one stream; across streams
/// the edge's <c>from_revision</c> does the same.
/// </summary>
internal sealed class CatalogSyncService(
    IOriginStore store,
    RevisionSignal signal,
    IOptions<SyncOptions> options,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<CatalogSyncService> logger) : CatalogSync.CatalogSyncBase
{
    /// <summary>The protocol version this origin speaks, and the oldest it still serves.</summary>
    public const uint ProtocolVersion = 1;

    public override async Task Watch(WatchRequest request, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        Validate(request);
        // Streams never finish by themselves: end them when the origin stops, or shutdown would
        // wait for every edge to hang up while they go on hearing heartbeats from a dying process.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancellationToken = linked.Token;
        var settings = options.Value;
        SyncLog.EdgeConnected(logger, request.EdgeId, request.Region, request.FromRevision);
        try
        {
            var head = await store.GetHeadRevisionAsync(cancellationToken);
            await WriteHeartbeatAsync(responseStream, head);

            var sent = request.FromRevision;
            if (sent == 0 || sent > head)
            {
                // New edge, or one ahead of us (we were restored from an older backup): replace its state.
                var snapshot = await store.ReadSnapshotAsync(cancellationToken);
                var message = new Snapshot { Revision = snapshot.Revision };
                foreach (var payload in snapshot.Catalogs)
                {
                    message.Creators.Add(CreatorCatalog.Parser.ParseFrom(payload));
                }

                await responseStream.WriteAsync(new WatchResponse { Snapshot = message }, cancellationToken);
                SyncLog.SnapshotSent(logger, request.EdgeId, snapshot.Revision, message.Creators.Count);
                sent = snapshot.Revision;
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                // Take the wait before reading, so a commit between the read and the wait still wakes us.
                var changed = signal.WaitForRevisionAboveAsync(sent);
                var changes = await store.ReadChangesAsync(sent, settings.MaxChangesPerBatch, cancellationToken);
                if (changes.Count > 0)
                {
                    await responseStream.WriteAsync(new WatchResponse { Changes = ToBatch(sent, changes) }, cancellationToken);
                    sent = changes[^1].Revision;
                    continue;
                }

                var heartbeatDue = Task.Delay(settings.HeartbeatInterval, timeProvider, cancellationToken);
                var woken = await Task.WhenAny(changed, heartbeatDue);
                if (woken == heartbeatDue && !cancellationToken.IsCancellationRequested)
                {
                    await WriteHeartbeatAsync(responseStream, signal.Head);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && cancellationToken.IsCancellationRequested)
        {
            // The edge went away (not a failure), or the origin is stopping: tell the edge to go elsewhere or retry.
            if (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "The origin is shutting down."));
            }
        }
        finally
        {
            SyncLog.EdgeDisconnected(logger, request.EdgeId);
        }
    }

    private Task WriteHeartbeatAsync(IServerStreamWriter<WatchResponse> responseStream, long head)
        => responseStream.WriteAsync(new WatchResponse
        {
            Heartbeat = new Heartbeat { HeadRevision = head, OriginTimeUnixMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds() },
        });

    private static ChangeBatch ToBatch(long previousRevision, IReadOnlyList<ChangeRecord> records)
    {
        var batch = new ChangeBatch { PreviousRevision = previousRevision, Revision = records[^1].Revision };
        foreach (var record in records)
        {
            var change = new Change { Revision = record.Revision };
            switch (record.Kind)
            {
                case ChangeKind.CatalogUpserted:
                    change.CatalogUpserted = CreatorCatalog.Parser.ParseFrom(record.Payload);
                    break;
                case ChangeKind.CreatorDeleted:
                    change.CreatorDeleted = new CreatorDeleted { CreatorId = record.CreatorId };
                    break;
                default:
                    throw new InvalidOperationException($"Unknown change kind {record.Kind} at revision {record.Revision}.");
            }

            batch.Changes.Add(change);
        }

        return batch;
    }

    private static void Validate(WatchRequest request)
    {
        if (!Identifiers.IsValid(request.EdgeId))
        {
            ThrowInvalidArgument("edge_id " + Identifiers.Rule + ".");
        }

        if (request.FromRevision < 0)
        {
            ThrowInvalidArgument("from_revision must not be negative.");
        }

        if (request.Region.Length > 64 || request.PublicUrl.Length > 2048)
        {
            ThrowInvalidArgument("region (64) or public_url (2048) is too long.");
        }

        // 0 is what an edge that predates versioning sends: it speaks version 1.
        if (request.ProtocolVersion > ProtocolVersion)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"Protocol version {request.ProtocolVersion} is newer than this origin's ({ProtocolVersion}); upgrade the origin first."));
        }
    }

    [DoesNotReturn]
    private static void ThrowInvalidArgument(string detail) => throw new RpcException(new Status(StatusCode.InvalidArgument, detail));
}
