using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// The origin's drop inventory as the edge calls it. The origin's refusals surface as
/// <see cref="Grpc.Core.RpcException"/>; an origin that cannot be reached (timed out, unavailable,
/// circuit open) as <see cref="OriginLink.OriginUnavailableException"/>.
/// </summary>
internal interface IDropInventoryOrigin
{
    Task<AcquireLeaseReply> AcquireLeaseAsync(AcquireLeaseRequest request, CancellationToken cancellationToken);

    Task<ReturnLeaseReply> ReturnLeaseAsync(ReturnLeaseRequest request, CancellationToken cancellationToken);

    Task<ConfirmSaleReply> ConfirmSaleAsync(ConfirmSaleRequest request, CancellationToken cancellationToken);

    Task<RsvpReply> RsvpAsync(RsvpRequest request, CancellationToken cancellationToken);

    Task<RsvpReply> HasRsvpAsync(RsvpRequest request, CancellationToken cancellationToken);

    Task<ReclaimLeasesReply> ReclaimLeasesAsync(ReclaimLeasesRequest request, CancellationToken cancellationToken);

    Task<FindSaleReply> FindSaleAsync(FindSaleRequest request, CancellationToken cancellationToken);
}
