using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Sync;
using Grpc.Core;

namespace EdgeCommerce.Origin.Drops;

/// <summary>
/// Crash recovery for edges: a restarted edge gives back what its dead process held, and asks
/// for a sale it no longer remembers. Both are bound to the calling edge (its token's subject).
/// </summary>
internal sealed partial class DropInventoryService
{
    public override async Task<ReclaimLeasesReply> ReclaimLeases(ReclaimLeasesRequest request, ServerCallContext context)
    {
        RequireId(request.EdgeId, "edge_id");
        CatalogSyncService.RequireIssuedTo(request.EdgeId, context);
        var edgeId = await RequireUnrevokedEdgeAsync(context);
        var reclaimed = await store.ReclaimLeasesAsync(edgeId, timeProvider.GetUtcNow(), context.CancellationToken);
        if (reclaimed.Units > 0)
        {
            metrics.UnitsReturned(reclaimed.Units);
            DropsLog.LeasesReclaimed(logger, edgeId, reclaimed.Leases, reclaimed.Units);
        }

        return new ReclaimLeasesReply { Leases = reclaimed.Leases, Units = reclaimed.Units };
    }

    public override async Task<FindSaleReply> FindSale(FindSaleRequest request, ServerCallContext context)
    {
        if (request.ReservationId.Length is 0 or > 128)
        {
            ThrowInvalid("reservation_id is required (at most 128 characters).");
        }

        var edgeId = await RequireUnrevokedEdgeAsync(context);
        // Another edge's sale answers like a missing one.
        if (await store.FindSaleAsync(request.ReservationId, edgeId, context.CancellationToken) is not { } found)
        {
            return new FindSaleReply();
        }

        var sale = found.Sale;
        return new FindSaleReply
        {
            Found = true,
            DropId = found.DropId,
            CreatorId = found.CreatorId,
            SkuId = sale.SkuId,
            Viewer = sale.Viewer,
            Quantity = sale.Quantity,
            LeaseId = sale.LeaseId,
            ConfirmedAtUnixMs = sale.ConfirmedAt.ToUnixTimeMilliseconds(),
        };
    }
}

/// <summary>Crash recovery log events (1640-1644 of the origin's drop range).</summary>
internal static partial class DropsLog
{
    [LoggerMessage(EventId = 1640, EventName = "LeasesReclaimed", Level = LogLevel.Information,
        Message = "Edge {EdgeId} started without its leases: {Leases} leases gave {Units} unsold units back.")]
    public static partial void LeasesReclaimed(ILogger logger, string edgeId, int leases, int units);
}
