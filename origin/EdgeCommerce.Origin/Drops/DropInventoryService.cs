using System.Diagnostics.CodeAnalysis;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage.Drops;
using EdgeCommerce.Origin.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Drops;

/// <summary>
/// The edges' side door for drops (gRPC, on the sync port): leases of a few units (escrow), sales
/// committed inside them, and RSVPs. The store enforces <c>sold + leased ≤ allocation</c> in each
/// write transaction; this service validates input and maps outcomes to precise status codes.
/// </summary>
/// <remarks>
/// Every call is bound to the edge its token was issued to (the token's subject), and refused
/// (<c>PERMISSION_DENIED</c>) once an operator revoked that edge. A lease is used only by the edge
/// it was granted to: another edge's lease id answers like a missing one.
/// </remarks>
internal sealed partial class DropInventoryService(
    IDropStore store,
    LeaseBatchWriter leaseWriter,
    LeasePlacementPolicy placementPolicy,
    TimeProvider timeProvider,
    IOptions<DropsOptions> options,
    DropMetrics metrics,
    EdgeRevocations revocations,
    ILogger<DropInventoryService> logger) : DropInventory.DropInventoryBase
{
    /// <summary>The most leases one holds report may carry (an edge reports only leases whose count changed).</summary>
    internal const int MaxReportedLeases = 1000;

    private const long MaxUnixMs = 253402300799999; // 9999-12-31T23:59:59.999Z, DateTimeOffset's last millisecond

    public override async Task<AcquireLeaseReply> AcquireLease(AcquireLeaseRequest request, ServerCallContext context)
    {
        RequireId(request.DropId, "drop_id");
        RequireId(request.SkuId, "sku_id");
        RequireId(request.EdgeId, "edge_id");
        CatalogSyncService.RequireIssuedTo(request.EdgeId, context);
        await RequireUnrevokedEdgeAsync(context);
        if (request.Units is < 1 or > 1000 || request.MinUnits is < 0 or > DropDocumentReader.MaxPerViewerLimit || request.MinUnits > request.Units
            || request.WantedUnits < 0 || request.WantedUnits > request.Units || request.ExpectedBuyers < 0)
        {
            ThrowInvalid("units must be from 1 to 1000, min_units from 0 to 100 and at most units, wanted_units from 0 to units, and expected_buyers not negative.");
        }

        var value = options.Value;
        var placement = request.Preposition ? placementPolicy.For(request.EdgeId, request.DropId, request.ExpectedBuyers) : null;
        if (request.Preposition && placement is null)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "This origin places no stock before a drop opens (Drops:PrepositionLead is 0)."));
        }

        var grant = await leaseWriter.AcquireAsync(
            new LeaseAsk(request.DropId, request.SkuId, request.EdgeId, request.Units, timeProvider.GetUtcNow(), value.LeaseDuration, value.MaxLeaseUnits, request.MinUnits,
                request.WantedUnits, placement, ReserveFraction: value.PrepositionReserve),
            context.CancellationToken);
        metrics.LeaseOutcome(grant.Refusal);
        switch (grant.Refusal)
        {
            case LeaseRefusal.NoSuchDrop:
            case LeaseRefusal.NoSuchSku:
                throw new RpcException(new Status(StatusCode.NotFound, "No such drop or SKU."));
            case LeaseRefusal.NotSelling:
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "The drop is not selling now."));
        }

        if (placement is not null)
        {
            placementPolicy.Remember(request.EdgeId, request.DropId, request.ExpectedBuyers);
        }

        if (grant.Refusal == LeaseRefusal.None)
        {
            DropsLog.LeaseGranted(logger, request.DropId, request.SkuId, request.EdgeId, grant.Units);
        }

        return new AcquireLeaseReply
        {
            LeaseId = grant.LeaseId,
            Units = grant.Units,
            ExpiresAtUnixMs = grant.Refusal == LeaseRefusal.None ? grant.ExpiresAt.ToUnixTimeMilliseconds() : 0,
            Stock = grant.Stock,
            NextExpiryUnixMs = grant.NextExpiry?.ToUnixTimeMilliseconds() ?? 0,
        };
    }

    public override async Task<ReturnLeaseReply> ReturnLease(ReturnLeaseRequest request, ServerCallContext context)
    {
        if (request.LeaseId.Length is 0 or > 64 || request.Units < 0)
        {
            ThrowInvalid("lease_id is required and units must not be negative.");
        }

        var edgeId = await RequireUnrevokedEdgeAsync(context);
        var remaining = await store.ReturnLeaseAsync(request.LeaseId, request.Units, timeProvider.GetUtcNow(), edgeId, context.CancellationToken);
        metrics.UnitsReturned(request.Units);
        return new ReturnLeaseReply { Units = remaining };
    }

    public override async Task<ConfirmSaleReply> ConfirmSale(ConfirmSaleRequest request, ServerCallContext context)
    {
        RequireId(request.DropId, "drop_id");
        RequireId(request.SkuId, "sku_id");
        if (request.LeaseId.Length is 0 or > 64 || request.ReservationId.Length is 0 or > 128)
        {
            ThrowInvalid("lease_id (at most 64 characters) and reservation_id (at most 128) are required.");
        }

        if (request.Quantity is < 1 or > DropDocumentReader.MaxPerViewerLimit)
        {
            ThrowInvalid("quantity must be from 1 to 100.");
        }

        if (request.Viewer.Length is 0 or > 128 || request.IdempotencyKey.Length > 128)
        {
            ThrowInvalid("viewer is required (at most 128 characters); idempotency_key at most 128 characters.");
        }

        var edgeId = await RequireUnrevokedEdgeAsync(context);
        var result = await store.ConfirmSaleAsync(new SaleRequest(request.LeaseId, request.ReservationId, request.DropId, request.SkuId,
            request.Quantity, request.Viewer, request.IdempotencyKey, timeProvider.GetUtcNow(), edgeId), context.CancellationToken);
        metrics.SaleOutcome(result.Outcome, request.Quantity);
        return result.Outcome switch
        {
            SaleOutcome.Confirmed or SaleOutcome.AlreadyConfirmed => new ConfirmSaleReply { ReservationId = result.ReservationId, Stock = result.Stock },
            SaleOutcome.Duplicate => new ConfirmSaleReply { ReservationId = result.ReservationId, Duplicate = true },
            SaleOutcome.NoSuchLease => throw new RpcException(new Status(StatusCode.NotFound, "No such lease for this drop and SKU.")),
            SaleOutcome.ViewerLimit => throw new RpcException(new Status(StatusCode.ResourceExhausted, "The viewer reached the drop's per-viewer limit.")),
            SaleOutcome.LeaseExpired => throw new RpcException(new Status(StatusCode.FailedPrecondition, "The lease expired.")),
            SaleOutcome.DropCancelled => throw new RpcException(new Status(StatusCode.FailedPrecondition, "The drop was cancelled.")),
            SaleOutcome.DropEnded => throw new RpcException(new Status(StatusCode.FailedPrecondition, "The drop ended: nothing sells after its endsAt.")),
            SaleOutcome.IdempotencyConflict => throw new RpcException(new Status(StatusCode.AlreadyExists,
                "The viewer's idempotency key was already used for a different SKU or quantity of this drop.")),
            SaleOutcome.ReservationConflict => throw new RpcException(new Status(StatusCode.AlreadyExists, "This reservation id was confirmed under another lease.")),
            _ => throw new RpcException(new Status(StatusCode.FailedPrecondition, "The lease has no unsold unit left for this sale.")),
        };
    }

    public override async Task<RsvpReply> Rsvp(RsvpRequest request, ServerCallContext context)
    {
        RequireRsvp(request);
        await RequireUnrevokedEdgeAsync(context);
        if (!await store.RsvpAsync(request.DropId, request.Viewer, timeProvider.GetUtcNow(), context.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.NotFound, "No such open drop."));
        }

        metrics.Rsvp();
        return new RsvpReply { Rsvped = true };
    }

    public override async Task<RsvpReply> HasRsvp(RsvpRequest request, ServerCallContext context)
    {
        RequireRsvp(request);
        await RequireUnrevokedEdgeAsync(context);
        return new RsvpReply { Rsvped = await store.HasRsvpAsync(request.DropId, request.Viewer, context.CancellationToken) };
    }

    /// <summary>
    /// The units the calling edge's reservations hold in its leases. Applied per drop,
    /// one write and at most one revision each; another edge's leases are skipped, so an edge can
    /// only ever speak for its own reservations.
    /// </summary>
    public override async Task<HoldsReportReply> ReportHolds(HoldsReport request, ServerCallContext context)
    {
        if (request.Leases.Count > MaxReportedLeases)
        {
            ThrowInvalid($"A report carries at most {MaxReportedLeases} leases.");
        }

        foreach (var lease in request.Leases)
        {
            RequireId(lease.DropId, "drop_id");
            if (lease.LeaseId.Length is 0 or > 64 || lease.Held < 0 || lease.NextReleaseUnixMs < 0)
            {
                ThrowInvalid("lease_id (at most 64 characters) is required; held and next_release_unix_ms must not be negative.");
            }
        }

        var edgeId = await RequireUnrevokedEdgeAsync(context);
        var now = timeProvider.GetUtcNow();
        var applied = 0;
        foreach (var drop in request.Leases.GroupBy(static lease => lease.DropId, StringComparer.Ordinal))
        {
            applied += await store.ReportHoldsAsync(drop.Key, edgeId,
                [.. drop.Select(static lease => new LeaseHoldReport(lease.LeaseId, lease.Held,
                    lease.NextReleaseUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(lease.NextReleaseUnixMs, MaxUnixMs)) : null))],
                now, context.CancellationToken);
        }

        return new HoldsReportReply { Applied = applied };
    }

    /// <summary>The edge the caller's token was issued to; <c>PERMISSION_DENIED</c> once an operator revoked it.</summary>
    private async Task<string> RequireUnrevokedEdgeAsync(ServerCallContext context)
    {
        if (context.GetHttpContext().GetAccessToken() is not { } caller
            || await revocations.IsRevokedAsync(caller.Subject, context.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, EdgeRevocations.RevokedDetail));
        }

        return caller.Subject;
    }

    private static void RequireRsvp(RsvpRequest request)
    {
        RequireId(request.DropId, "drop_id");
        if (request.Viewer.Length is 0 or > 128)
        {
            ThrowInvalid("viewer is required (at most 128 characters).");
        }
    }

    private static void RequireId(string value, string field)
    {
        if (!Identifiers.IsValid(value))
        {
            ThrowInvalid($"{field} {Identifiers.Rule}.");
        }
    }

    [DoesNotReturn]
    private static void ThrowInvalid(string message) => throw new RpcException(new Status(StatusCode.InvalidArgument, message));
}
