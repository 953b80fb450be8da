using System.Diagnostics.CodeAnalysis;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Sync;

/// <summary>
/// The gRPC sync service. <c>Sync</c> (protocol 2) reads acknowledgements beside the stream so the
/// origin knows each edge's lag; <c>Watch</c> (protocol 1) is kept so edges can be upgraded after
/// the origin. Both run the same <see cref="SyncSession"/>.
/// </summary>
internal sealed class CatalogSyncService(
    IOriginStore store,
    ChangeFeed feed,
    RevisionSignal signal,
    EdgeRegistry registry,
    EdgeLoadReports loadReports,
    IOptions<SyncOptions> options,
    TimeProvider timeProvider,
    AccessTokenIssuer issuer,
    SigningKeyManager keys,
    IOptions<AccessTokenOptions> tokenOptions,
    IHostApplicationLifetime lifetime,
    ILogger<CatalogSyncService> logger) : CatalogSync.CatalogSyncBase
{
    /// <summary>The newest protocol version this origin speaks.</summary>
    public const uint ProtocolVersion = 2;

    /// <summary>The oldest protocol version this origin still serves.</summary>
    public const uint MinProtocolVersion = 1;

    public override Task Watch(WatchRequest request, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        Validate(request, expectedVersion: 1);
        RequireIssuedTo(request.EdgeId, context);
        return ServeAsync(request, responseStream, context, readAcks: null);
    }

    public override async Task Sync(IAsyncStreamReader<EdgeMessage> requestStream, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.KindCase != EdgeMessage.KindOneofCase.Hello)
        {
            ThrowInvalidArgument("The first message of a Sync stream must be hello.");
        }

        var hello = requestStream.Current.Hello;
        Validate(hello, expectedVersion: 2);
        RequireIssuedTo(hello.EdgeId, context);
        await ServeAsync(hello, responseStream, context, requestStream);
    }

    private async Task ServeAsync(WatchRequest hello, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context, IAsyncStreamReader<EdgeMessage>? readAcks)
    {
        // Streams never finish by themselves: end them when the origin stops, or shutdown would
        // wait for every edge to hang up while they go on hearing heartbeats from a dying process.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancellationToken = linked.Token;
        var version = hello.ProtocolVersion == 0 ? 1 : (int)hello.ProtocolVersion;
        var token = registry.OnConnected(hello.EdgeId, hello.Region, hello.PublicUrl, version, hello.FromRevision);
        SyncLog.EdgeConnected(logger, hello.EdgeId, hello.Region, hello.FromRevision, version);
        // Only protocol 2 edges understand a renewal; a protocol 1 edge renews its token out of band.
        var renewal = readAcks is not null && AccessTokenAuthenticationHandler.TokenOf(context.GetHttpContext()) is { } presented
            ? new SyncTokenRenewer(hello.EdgeId, presented, issuer, keys, tokenOptions.Value.MaxLifetime, timeProvider)
            : null;
        var session = new SyncSession(store, feed, signal, registry, options.Value, timeProvider, logger, hello, token, responseStream, renewal);
        Task? acks = null;
        try
        {
            if (readAcks is not null)
            {
                acks = ReadAcksAsync(hello.EdgeId, token, readAcks, linked);
            }

            await session.RunAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && cancellationToken.IsCancellationRequested)
        {
            // The edge went away (not a failure), or the origin is stopping: tell the edge to retry.
            if (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "The origin is shutting down."));
            }
        }
        finally
        {
            await linked.CancelAsync();
            if (acks is not null)
            {
                await acks;
            }

            registry.OnDisconnected(hello.EdgeId, token);
            SyncLog.EdgeDisconnected(logger, hello.EdgeId);
        }
    }

    /// <summary>Reads acknowledgements until the stream ends; a malformed one, or the edge closing its side, ends the stream.</summary>
    private async Task ReadAcksAsync(string edgeId, long token, IAsyncStreamReader<EdgeMessage> requestStream, CancellationTokenSource stream)
    {
        try
        {
            while (await requestStream.MoveNext(stream.Token))
            {
                var message = requestStream.Current;
                if (message.KindCase != EdgeMessage.KindOneofCase.Ack || message.Ack.AppliedRevision < 0)
                {
                    SyncLog.BadEdgeMessage(logger, edgeId, message.KindCase.ToString());
                    await stream.CancelAsync();
                    return;
                }

                var ack = message.Ack;
                string? rejection = null;
                if (ack.Rejection is { } refused)
                {
                    rejection = refused.Reason.Length > 512 ? refused.Reason[..512] : refused.Reason;
                    SyncLog.EdgeRejected(logger, edgeId, refused.Revision, rejection);
                }

                registry.OnApplied(edgeId, token, ack.AppliedRevision, rejection);
                if (ack.Load is { } load)
                {
                    loadReports.Report(edgeId, load);
                }
            }

            // The edge closed its side (after a NACK it waits for this): end the stream, and it
            // reconnects from the revision it holds.
            await stream.CancelAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException)
        {
            // The stream ended; the session's own cancellation reports why.
        }
    }

    /// <summary>
    /// The endpoint already requires an <c>edge:sync</c> token; it must also have been issued to the
    /// edge the request names, so one edge's token cannot register, read the stream, or take
    /// leases as another.
    /// </summary>
    internal static void RequireIssuedTo(string edgeId, ServerCallContext context)
    {
        var caller = AccessTokenAuthenticationHandler.TokenOf(context.GetHttpContext());
        if (caller is null || !string.Equals(caller.Subject, edgeId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "This token was not issued to the edge the hello names."));
        }
    }

    private static void Validate(WatchRequest request, uint expectedVersion)
    {
        if (!Identifiers.IsValid(request.EdgeId))
        {
            ThrowInvalidArgument("edge_id " + Identifiers.Rule + ".");
        }

        if (request.FromRevision < 0)
        {
            ThrowInvalidArgument("from_revision must not be negative.");
        }

        if (request.Region.Length > 64 || request.PublicUrl.Length > 2048 || request.ClusterId.Length > 64)
        {
            ThrowInvalidArgument("region (64), public_url (2048) or cluster_id (64) is too long.");
        }

        if (request.ProtocolVersion > ProtocolVersion)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"Protocol version {request.ProtocolVersion} is newer than this origin's ({ProtocolVersion}); upgrade the origin first."));
        }

        // 0 is what an edge that predates versioning sends: it speaks version 1.
        var version = request.ProtocolVersion == 0 ? 1 : request.ProtocolVersion;
        if (version != expectedVersion)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"Protocol version {version} uses the {(version == 1 ? "Watch" : "Sync")} method."));
        }
    }

    [DoesNotReturn]
    private static void ThrowInvalidArgument(string detail) => throw new RpcException(new Status(StatusCode.InvalidArgument, detail));
}
