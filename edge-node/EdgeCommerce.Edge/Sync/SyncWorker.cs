using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using Grpc.Core;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// Keeps the replica following the origin: opens <c>Watch</c> from the revision the replica
/// holds, applies what arrives in order, and on any break reconnects with jittered exponential
/// backoff, resuming from the same place, so nothing is lost, repeated or reordered.
/// </summary>
internal sealed class SyncWorker(
    GrpcClientFactory clientFactory,
    ReplicaHolder holder,
    ReplicaUpdater updater,
    SyncState state,
    IOptions<EdgeOptions> edgeOptions,
    IOptions<SyncOptions> syncOptions,
    TimeProvider timeProvider,
    ILogger<SyncWorker> logger) : BackgroundService
{
    /// <summary>The protocol version this edge speaks.</summary>
    public const uint ProtocolVersion = 1;

    /// <summary>The name the gRPC client is registered under.</summary>
    public const string ClientName = "origin-sync";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = syncOptions.Value;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var delivered = false;
            try
            {
                delivered = await FollowAsync(options, stoppingToken);
                SyncLog.StreamEnded(logger);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (StreamIdleException)
            {
                delivered = true;
                SyncLog.StreamIdle(logger, options.IdleTimeout);
            }
            catch (RpcException ex)
            {
                SyncLog.StreamFailed(logger, ex.StatusCode, ex);
            }
            catch (ReplicaApplyException ex)
            {
                SyncLog.BatchRejected(logger, holder.Current.Revision, ex);
            }
            catch (Exception ex)
            {
                SyncLog.StreamBroken(logger, ex);
            }

            state.OnDisconnected();
            failures = delivered ? 0 : failures + 1;
            var delay = Backoff(options, failures);
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

    /// <summary>Follows one stream until it ends. Returns whether it delivered anything.</summary>
    private async Task<bool> FollowAsync(SyncOptions options, CancellationToken stoppingToken)
    {
        var edge = edgeOptions.Value;
        var replica = holder.Current;
        var request = new WatchRequest
        {
            EdgeId = edge.Id,
            Region = edge.Region,
            PublicUrl = edge.PublicUrl,
            FromRevision = replica.HasSnapshot ? replica.Revision : 0,
            ProtocolVersion = ProtocolVersion,
        };

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        idle.CancelAfter(options.IdleTimeout);
        var client = clientFactory.CreateClient<CatalogSync.CatalogSyncClient>(ClientName);
        using var call = client.Watch(request, cancellationToken: idle.Token);
        SyncLog.StreamOpening(logger, request.FromRevision);
        var delivered = false;
        try
        {
            while (await call.ResponseStream.MoveNext(idle.Token))
            {
                idle.CancelAfter(options.IdleTimeout);
                delivered = true;
                var response = call.ResponseStream.Current;
                switch (response.KindCase)
                {
                    case WatchResponse.KindOneofCase.Heartbeat:
                        state.OnMessage(response.Heartbeat.HeadRevision);
                        break;
                    case WatchResponse.KindOneofCase.Snapshot:
                        await updater.ApplySnapshotAsync(response.Snapshot, stoppingToken);
                        break;
                    case WatchResponse.KindOneofCase.Changes:
                        await updater.ApplyBatchAsync(response.Changes, stoppingToken);
                        break;
                    default:
                        SyncLog.UnknownMessage(logger);
                        break;
                }
            }
        }
        catch (Exception ex) when (idle.IsCancellationRequested && !stoppingToken.IsCancellationRequested
            && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            throw new StreamIdleException();
        }

        return delivered;
    }

    /// <summary>Equal jitter: half the exponential step fixed, half random, capped.</summary>
    internal static TimeSpan Backoff(SyncOptions options, int failures)
    {
        var exponent = Math.Min(failures, 16);
        var ceiling = Math.Min(options.MaxBackoff.TotalMilliseconds, options.InitialBackoff.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2));
    }

    private sealed class StreamIdleException : Exception;
}
