using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Drops;

/// <summary>The origin's drop inventory as the edge calls it. Failures surface as <see cref="Grpc.Core.RpcException"/>.</summary>
internal interface IDropInventoryOrigin
{
    Task<AcquireLeaseReply> AcquireLeaseAsync(AcquireLeaseRequest request, CancellationToken cancellationToken);

    Task<ReturnLeaseReply> ReturnLeaseAsync(ReturnLeaseRequest request, CancellationToken cancellationToken);

    Task<ConfirmSaleReply> ConfirmSaleAsync(ConfirmSaleRequest request, CancellationToken cancellationToken);

    Task<RsvpReply> RsvpAsync(RsvpRequest request, CancellationToken cancellationToken);

    Task<RsvpReply> HasRsvpAsync(RsvpRequest request, CancellationToken cancellationToken);
}
