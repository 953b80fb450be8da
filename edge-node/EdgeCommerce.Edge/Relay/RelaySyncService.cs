using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Sync;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Relay;

/// <summary>
/// <c>CatalogSync.Sync</c> (protocol 2) served by a relay edge to the edges below it, from its own
/// replica and <see cref="RelayChangeLog"/>: the same messages and guarantees as the origin's
/// (a heartbeat first, a snapshot when the edge's revision cannot be continued, then ordered
/// batches with <c>previous_revision</c>, heartbeats while idle). Each downstream edge presents its
/// own <c>edge:sync</c> token for the origin's audience, checked here with the key set this relay
/// holds; the stream ends when that token expires or a key set without its key arrives. Bound with
/// <see cref="SyncWire"/>'s methods: a batch is encoded once for every downstream stream.
/// </summary>
[BindServiceMethod(typeof(RelaySyncService), nameof(BindService))]
internal sealed class RelaySyncService(
    ReplicaHolder holder,
    RelayChangeLog log,
    RelayDownstreams downstreams,
    RelayTokenValidator tokens,
    IOptions<RelayOptions> options,
    IOptions<EdgeOptions> edgeOptions,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<RelaySyncService> logger,
    RelayTokenRenewals renewals) : CatalogSync.CatalogSyncBase
{
    /// <summary>What grpc-dotnet calls instead of the generated binding (the second parameter must be the generated base).</summary>
    public static void BindService(ServiceBinderBase binder, CatalogSync.CatalogSyncBase? service) => SyncWire.Bind(binder, service);

    public override Task Watch(WatchRequest request, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
        => throw new RpcException(new Status(StatusCode.FailedPrecondition, "A relay serves protocol 2 (Sync) only."));

    public override async Task Sync(IAsyncStreamReader<EdgeMessage> requestStream, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        var authorization = context.GetHttpContext().Items[RelayServiceCollectionExtensions.AuthorizationItem] as string;
        var presented = await tokens.AuthenticateAsync(authorization)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "Unauthenticated."));
        bool read;
        try
        {
            read = await requestStream.MoveNext(context.CancellationToken);
        }
        catch (InvalidProtocolBufferException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The message could not be decoded."));
        }

        if (!read || requestStream.Current.KindCase != EdgeMessage.KindOneofCase.Hello)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The first message of a Sync stream must be hello."));
        }

        var hello = requestStream.Current.Hello;
        if (!Identifiers.IsValid(hello.EdgeId) || hello.FromRevision < 0 || hello.Region.Length > 64 || hello.PublicUrl.Length > 2048 || hello.ClusterId.Length > 64)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The hello is malformed."));
        }

        if (hello.ProtocolVersion != SyncWorker.ProtocolVersion)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "A relay serves protocol 2 (Sync) only."));
        }

        if (!string.Equals(presented.Subject, hello.EdgeId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "This token was not issued to the edge the hello names."));
        }

        if (downstreams.IsRevoked(hello.EdgeId))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "This edge was revoked by the operator."));
        }

        if (!holder.Current.HasSnapshot)
        {
            // Nothing to serve yet: the edge moves on to its next sync address.
            throw new RpcException(new Status(StatusCode.Unavailable, "This relay holds no replica yet."));
        }

        using var stream = downstreams.Connect(hello);
        using var renewal = renewals.Register(hello.EdgeId, RelayTokenValidator.BearerToken(authorization!));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping, stream.Ended);
        var cancellationToken = linked.Token;
        RelayLog.EdgeConnected(logger, hello.EdgeId, hello.Region, hello.FromRevision);
        var session = new RelaySession(holder, log, options.Value, edgeOptions.Value, timeProvider, logger, hello, presented, responseStream, stream, renewal);
        var acks = ReadAcksAsync(hello, requestStream, linked, stream, session);
        try
        {
            await session.RunAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && cancellationToken.IsCancellationRequested)
        {
            // The edge went away, the relay is stopping, or the stream was ended with a reason.
        }
        finally
        {
            await linked.CancelAsync();
            await acks;
            downstreams.Disconnect(stream);
            RelayLog.EdgeDisconnected(logger, hello.EdgeId);
        }

        if (stream.Reason is { } reason)
        {
            RelayLog.StreamEnded(logger, hello.EdgeId, reason.StatusCode, reason.Status.Detail);
            throw reason;
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The relay is shutting down."));
        }
    }

    /// <summary>As at the origin: only acknowledgements, of no more than this stream sent (or the hello's own revision).</summary>
    private async Task ReadAcksAsync(WatchRequest hello, IAsyncStreamReader<EdgeMessage> requestStream, CancellationTokenSource linked, RelayDownstreams.Downstream stream, RelaySession session)
    {
        try
        {
            while (await requestStream.MoveNext(linked.Token))
            {
                var message = requestStream.Current;
                if (message.KindCase != EdgeMessage.KindOneofCase.Ack)
                {
                    stream.End(StatusCode.InvalidArgument, "Only acknowledgements may follow the hello.");
                    return;
                }

                var ack = message.Ack;
                var sent = session.OfferedRevision;
                if (ack.AppliedRevision < 0 || (ack.AppliedRevision > sent && ack.AppliedRevision != hello.FromRevision))
                {
                    stream.End(StatusCode.InvalidArgument, $"applied_revision {ack.AppliedRevision} was never sent on this stream (sent up to {sent}).");
                    return;
                }

                if (ack.Rejection is { } refused)
                {
                    RelayLog.EdgeRejected(logger, hello.EdgeId, refused.Revision, refused.Reason.Length > 512 ? refused.Reason[..512] : refused.Reason);
                }

                stream.OnApplied(ack.AppliedRevision <= sent ? ack.AppliedRevision : 0, ack.Load);
            }

            await linked.CancelAsync();
        }
        catch (InvalidProtocolBufferException)
        {
            stream.End(StatusCode.InvalidArgument, "The message could not be decoded.");
        }
        catch (RpcException error) when (!linked.IsCancellationRequested)
        {
            stream.End(error.StatusCode, error.Status.Detail);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException)
        {
            // The stream ended; the session's cancellation says why.
        }
    }
}
