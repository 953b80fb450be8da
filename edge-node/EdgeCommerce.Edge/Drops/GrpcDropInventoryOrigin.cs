using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.Edge.Sync;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// Calls the origin's <c>DropInventory</c> service over the sync channels (<see cref="OriginChannels"/>:
/// same connections, same credentials), through <see cref="OriginCalls"/> (per-attempt timeout,
/// a circuit breaker per origin replica, the next replica when one does not answer). Every call is
/// safe to repeat (sales are idempotent by reservation id; a repeated lease request at worst leases
/// units that come back at expiry).
/// </summary>
internal sealed class GrpcDropInventoryOrigin(OriginChannels channels, OriginCalls calls) : IDropInventoryOrigin
{
    public Task<AcquireLeaseReply> AcquireLeaseAsync(AcquireLeaseRequest request, CancellationToken cancellationToken)
        => calls.CallAsync(static (index, args, token) => args.channels.Inventory(index).AcquireLeaseAsync(args.request, cancellationToken: token).ResponseAsync, (channels, request), cancellationToken);

    public Task<ReturnLeaseReply> ReturnLeaseAsync(ReturnLeaseRequest request, CancellationToken cancellationToken)
        => calls.CallAsync(static (index, args, token) => args.channels.Inventory(index).ReturnLeaseAsync(args.request, cancellationToken: token).ResponseAsync, (channels, request), cancellationToken);

    public Task<ConfirmSaleReply> ConfirmSaleAsync(ConfirmSaleRequest request, CancellationToken cancellationToken)
        => calls.CallAsync(static (index, args, token) => args.channels.Inventory(index).ConfirmSaleAsync(args.request, cancellationToken: token).ResponseAsync, (channels, request), cancellationToken);

    public Task<RsvpReply> RsvpAsync(RsvpRequest request, CancellationToken cancellationToken)
        => calls.CallAsync(static (index, args, token) => args.channels.Inventory(index).RsvpAsync(args.request, cancellationToken: token).ResponseAsync, (channels, request), cancellationToken);

    public Task<RsvpReply> HasRsvpAsync(RsvpRequest request, CancellationToken cancellationToken)
        => calls.CallAsync(static (index, args, token) => args.channels.Inventory(index).HasRsvpAsync(args.request, cancellationToken: token).ResponseAsync, (channels, request), cancellationToken);

    public Task<ReclaimLeasesReply> ReclaimLeasesAsync(ReclaimLeasesRequest request, CancellationToken cancellationToken)
        => calls.CallAsync(static (index, args, token) => args.channels.Inventory(index).ReclaimLeasesAsync(args.request, cancellationToken: token).ResponseAsync, (channels, request), cancellationToken);

    public Task<FindSaleReply> FindSaleAsync(FindSaleRequest request, CancellationToken cancellationToken)
        => calls.CallAsync(static (index, args, token) => args.channels.Inventory(index).FindSaleAsync(args.request, cancellationToken: token).ResponseAsync, (channels, request), cancellationToken);
}
