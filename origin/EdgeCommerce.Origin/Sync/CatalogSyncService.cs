using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.ServiceDefaults.Authentication;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Sync;

/// <summary>
/// The gRPC sync service. <c>Sync</c> (protocol 2) reads acknowledgements beside the stream so the
/// origin knows each edge's lag; <c>Watch</c> (protocol 1) is kept so edges can be upgraded after
/// the origin. Both run the same <see cref="SyncSession"/>. Bound with <see cref="SyncWire"/>'s
/// methods, so a batch every stream shares is serialized once (<see cref="ChangeFeed"/> encodes it).
/// </summary>
[BindServiceMethod(typeof(CatalogSyncService), nameof(BindService))]
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
    EdgeUrlPolicy urlPolicy,
    EdgeRevocations revocations,
    ILogger<CatalogSyncService> logger,
    Drops.Report.DropFunnelIngest? funnels = null,
    RelayedTokenRenewer? relayedTokens = null,
    IOptions<RoutingOptions>? routing = null) : CatalogSync.CatalogSyncBase
{
    /// <summary>The newest protocol version this origin speaks.</summary>
    public const uint ProtocolVersion = 2;

    /// <summary>The oldest protocol version this origin still serves.</summary>
    public const uint MinProtocolVersion = 1;

    /// <summary>Largest message a Sync stream may send: a relay's report of 10,000 downstream edges.</summary>
    public const int MaxDownstreamReportBytes = 4 * 1024 * 1024;

    private static readonly FrozenSet<string> s_nobody = FrozenSet<string>.Empty;

    /// <summary>
    /// What grpc-dotnet calls (through the attribute) instead of the generated binding. The second
    /// parameter must be the generated base: grpc-dotnet finds the handlers as its overrides.
    /// </summary>
    public static void BindService(ServiceBinderBase binder, CatalogSync.CatalogSyncBase? service) => SyncWire.Bind(binder, service);

    public override async Task Watch(WatchRequest request, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        Validate(request, expectedVersion: 1);
        RequireIssuedTo(request.EdgeId, context);
        await AdmitAsync(request, context.CancellationToken);
        await ServeAsync(request, responseStream, context, readAcks: null);
    }

    public override async Task Sync(IAsyncStreamReader<EdgeMessage> requestStream, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        bool read;
        try
        {
            read = await requestStream.MoveNext(context.CancellationToken);
        }
        catch (InvalidProtocolBufferException)
        {
            // An undecodable message is the caller's error, not the handler's: no stack trace, no UNKNOWN.
            SyncLog.UndecodableEdgeMessage(logger, "(hello)");
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The message could not be decoded."));
        }

        if (!read || requestStream.Current.KindCase != EdgeMessage.KindOneofCase.Hello)
        {
            ThrowInvalidArgument("The first message of a Sync stream must be hello.");
        }

        var hello = requestStream.Current.Hello;
        Validate(hello, expectedVersion: 2);
        RequireIssuedTo(hello.EdgeId, context);
        await AdmitAsync(hello, context.CancellationToken);
        await ServeAsync(hello, responseStream, context, requestStream);
    }

    /// <summary>
    /// What the registry will show and browsers may be sent to is checked before anything is
    /// registered: the public URL against <see cref="RoutingOptions.AllowedEdgeUrls"/>, and the edge
    /// against the revocations in the store (read now, so one revoked through any replica is refused).
    /// </summary>
    private async Task AdmitAsync(WatchRequest hello, CancellationToken cancellationToken)
    {
        if (urlPolicy.Check(hello.PublicUrl) is { } refusal)
        {
            throw new RpcException(new Status(refusal.Malformed ? StatusCode.InvalidArgument : StatusCode.PermissionDenied, refusal.Detail));
        }

        if (await revocations.IsRevokedInStoreAsync(hello.EdgeId, cancellationToken))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, EdgeRevocations.RevokedDetail));
        }
    }

    private async Task ServeAsync(WatchRequest hello, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context, IAsyncStreamReader<EdgeMessage>? readAcks)
    {
        // Streams never finish by themselves: end them when the origin stops, or shutdown would
        // wait for every edge to hang up while they go on hearing heartbeats from a dying process.
        // The registry can end one too (a revocation, a newer stream of the same edge).
        using var stream = new EdgeStream();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping, stream.Ended);
        var cancellationToken = linked.Token;
        var version = hello.ProtocolVersion == 0 ? 1 : (int)hello.ProtocolVersion;
        // Nothing is taken as applied until the edge acknowledges what this stream sent it.
        var token = registry.OnConnected(hello.EdgeId, hello.Region, hello.PublicUrl, version, 0, stream);
        SyncLog.EdgeConnected(logger, hello.EdgeId, hello.Region, hello.FromRevision, version);
        var presented = context.GetHttpContext().GetAccessToken();
        // Only protocol 2 edges understand a renewal; a protocol 1 edge renews its token out of band.
        var renewal = readAcks is not null && presented is not null
            ? new SyncTokenRenewer(hello.EdgeId, presented, issuer, keys, tokenOptions.Value.MaxLifetime, timeProvider)
            : null;
        // A relay's downstream edges' tokens are renewed on its stream, by the same rule.
        var downstreamRenewals = hello.Relay && renewal is not null ? relayedTokens?.Open(hello.EdgeId) : null;
        var session = new SyncSession(store, feed, signal, registry, options.Value, timeProvider, logger, hello, token, responseStream, renewal, stream, presented,
            hello.Relay ? revocations : null, downstreamRenewals);
        Task? acks = null;
        try
        {
            // A revocation that committed after AdmitAsync read the store, and ended the streams it
            // found before this one was registered, is in the set by now.
            if (await revocations.IsRevokedAsync(hello.EdgeId, cancellationToken))
            {
                stream.End(StatusCode.PermissionDenied, EdgeRevocations.RevokedDetail);
            }

            if (readAcks is not null)
            {
                acks = ReadAcksAsync(hello, token, readAcks, linked, stream, session, downstreamRenewals);
            }

            await session.RunAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && cancellationToken.IsCancellationRequested)
        {
            // The edge went away (not a failure), the origin is stopping, or the stream was ended
            // with a reason: said below.
        }
        finally
        {
            await linked.CancelAsync();
            if (acks is not null)
            {
                await acks;
            }

            registry.OnDisconnected(hello.EdgeId, token);
            if (hello.Relay)
            {
                // Its downstream edges are no longer known to be anywhere (they report again through
                // whichever relay or origin they move to).
                registry.OnRelayReported(hello.EdgeId, s_nobody);
            }

            SyncLog.EdgeDisconnected(logger, hello.EdgeId);
        }

        if (stream.Reason is { } reason)
        {
            SyncLog.StreamEnded(logger, hello.EdgeId, reason.StatusCode, reason.Status.Detail);
            throw reason;
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // Tell the edge to retry (elsewhere, or here once the origin is back).
            throw new RpcException(new Status(StatusCode.Unavailable, "The origin is shutting down."));
        }
    }

    /// <summary>
    /// Reads acknowledgements until the stream ends. Only what this stream sent can be
    /// acknowledged: an ack above it, anything but an ack (a second hello), or an undecodable
    /// message ends the stream with <c>INVALID_ARGUMENT</c>, one over the receive limit with
    /// <c>RESOURCE_EXHAUSTED</c>; the edge closing its side ends it too.
    /// </summary>
    private async Task ReadAcksAsync(WatchRequest hello, long token, IAsyncStreamReader<EdgeMessage> requestStream, CancellationTokenSource linked, EdgeStream stream, SyncSession session,
        RelayedTokenRenewer.Stream? downstreamRenewals)
    {
        var edgeId = hello.EdgeId;
        long acknowledged = 0;
        // Each edge behind a relay is checked once per relay stream; its reports then cost per change.
        var relayed = hello.Relay
            ? new RelayReportIntake(edgeId, registry, ReportLoad, urlPolicy, revocations, timeProvider, ContactRefresh, downstreamRenewals is null ? null : downstreamRenewals.Forget)
            : null;
        try
        {
            while (await requestStream.MoveNext(linked.Token))
            {
                var message = requestStream.Current;
                if (message.KindCase == EdgeMessage.KindOneofCase.Downstream && relayed is not null)
                {
                    await relayed.ApplyAsync(message.Downstream, acknowledged, linked.Token);
                    continue;
                }

                if (message.KindCase == EdgeMessage.KindOneofCase.DownstreamTokens && downstreamRenewals is not null)
                {
                    await downstreamRenewals.OfferAsync(message.DownstreamTokens, linked.Token);
                    continue;
                }

                if (message.KindCase != EdgeMessage.KindOneofCase.Ack)
                {
                    SyncLog.BadEdgeMessage(logger, edgeId, message.KindCase.ToString());
                    stream.End(StatusCode.InvalidArgument, message.KindCase == EdgeMessage.KindOneofCase.Hello
                        ? "A Sync stream has exactly one hello."
                        : "Only acknowledgements may follow the hello.");
                    return;
                }

                var ack = message.Ack;
                var sent = session.OfferedRevision;
                if (ack.AppliedRevision < 0 || (ack.AppliedRevision > sent && ack.AppliedRevision != hello.FromRevision))
                {
                    SyncLog.AckNeverSent(logger, edgeId, ack.AppliedRevision, sent);
                    stream.End(StatusCode.InvalidArgument, $"applied_revision {ack.AppliedRevision} was never sent on this stream (sent up to {sent}).");
                    return;
                }

                string? rejection = null;
                if (ack.Rejection is { } refused)
                {
                    rejection = refused.Reason.Length > 512 ? refused.Reason[..512] : refused.Reason;
                    SyncLog.EdgeRejected(logger, edgeId, refused.Revision, rejection);
                }

                if (ack.AppliedRevision <= sent)
                {
                    acknowledged = Math.Max(acknowledged, ack.AppliedRevision);
                    registry.OnApplied(edgeId, token, ack.AppliedRevision, rejection);
                    relayed?.OnRelayAcknowledged(acknowledged);
                }
                else
                {
                    // The edge restates the revision its hello named before this stream confirmed it
                    // (or while a snapshot replaces it): alive, but not a claim to believe.
                    registry.OnContact(edgeId, token);
                }

                if (ack.Load is { } load)
                {
                    ReportLoad(edgeId, load);
                }
            }

            // The edge closed its side (after a NACK it waits for this): end the stream, and it
            // reconnects from the revision it holds.
            await linked.CancelAsync();
        }
        catch (InvalidProtocolBufferException)
        {
            SyncLog.UndecodableEdgeMessage(logger, edgeId);
            stream.End(StatusCode.InvalidArgument, "The message could not be decoded.");
        }
        catch (RpcException error) when (!linked.IsCancellationRequested)
        {
            // The framework refused a message (one over MaxReceiveMessageSize): end the stream with its
            // status. Swallowed, the stream would go on serving while nothing read the edge's acks, and
            // the edge's closing its side would never end it.
            SyncLog.EdgeMessageRefused(logger, edgeId, error.StatusCode, error.Status.Detail);
            stream.End(error.StatusCode, error.Status.Detail);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException)
        {
            // The stream ended; the session's own cancellation reports why.
        }
    }

    /// <summary>
    /// How often the unchanged edges behind a relay have their last contact moved on: well within
    /// <see cref="RoutingOptions.ContactTimeout"/>, so they stay connected while their relay's stream is.
    /// </summary>
    private TimeSpan ContactRefresh => (routing?.Value.ContactTimeout ?? TimeSpan.FromSeconds(10)) / 3;

    /// <summary>
    /// The endpoint already requires an <c>edge:sync</c> token; it must also have been issued to the
    /// edge the request names, so one edge's token cannot register, read the stream, or take
    /// leases as another.
    /// </summary>
    internal static void RequireIssuedTo(string edgeId, ServerCallContext context)
    {
        var caller = context.GetHttpContext().GetAccessToken();
        if (caller is null || !string.Equals(caller.Subject, edgeId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "This token was not issued to the edge the hello names."));
        }
    }

    /// <summary>An edge's load, direct or relayed: the dashboards' figures and the drops' funnel counts.</summary>
    private void ReportLoad(string edgeId, EdgeLoad load)
    {
        loadReports.Report(edgeId, load);
        funnels?.Report(edgeId, load);
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
