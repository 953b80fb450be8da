using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Sync;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// Calls the origin's <c>DropInventory</c> service over the sync channels (<see cref="OriginChannels"/>:
/// same connections, same credentials). An origin replica that is unavailable is skipped for the
/// next one; every call is safe to repeat (sales are idempotent by reservation id; a repeated lease
/// request at worst leases units that come back at expiry).
/// </summary>
internal sealed class GrpcDropInventoryOrigin(OriginChannels channels, IOptions<DropsOptions> options, TimeProvider timeProvider) : IDropInventoryOrigin
{
    private int _preferred;

    public Task<AcquireLeaseReply> AcquireLeaseAsync(AcquireLeaseRequest request, CancellationToken cancellationToken)
        => CallAsync((client, callOptions) => client.AcquireLeaseAsync(request, callOptions).ResponseAsync, cancellationToken);

    public Task<ReturnLeaseReply> ReturnLeaseAsync(ReturnLeaseRequest request, CancellationToken cancellationToken)
        => CallAsync((client, callOptions) => client.ReturnLeaseAsync(request, callOptions).ResponseAsync, cancellationToken);

    public Task<ConfirmSaleReply> ConfirmSaleAsync(ConfirmSaleRequest request, CancellationToken cancellationToken)
        => CallAsync((client, callOptions) => client.ConfirmSaleAsync(request, callOptions).ResponseAsync, cancellationToken);

    public Task<RsvpReply> RsvpAsync(RsvpRequest request, CancellationToken cancellationToken)
        => CallAsync((client, callOptions) => client.RsvpAsync(request, callOptions).ResponseAsync, cancellationToken);

    public Task<RsvpReply> HasRsvpAsync(RsvpRequest request, CancellationToken cancellationToken)
        => CallAsync((client, callOptions) => client.HasRsvpAsync(request, callOptions).ResponseAsync, cancellationToken);

    private async Task<T> CallAsync<T>(Func<DropInventory.DropInventoryClient, CallOptions, Task<T>> call, CancellationToken cancellationToken)
    {
        var count = channels.Addresses.Count;
        var first = Volatile.Read(ref _preferred);
        RpcException? last = null;
        for (var attempt = 0; attempt < count; attempt++)
        {
            var index = (first + attempt) % count;
            var deadline = timeProvider.GetUtcNow().UtcDateTime + options.Value.OriginCallTimeout;
            try
            {
                var result = await call(channels.Inventory(index), new CallOptions(deadline: deadline, cancellationToken: cancellationToken));
                Volatile.Write(ref _preferred, index);
                return result;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && !cancellationToken.IsCancellationRequested)
            {
                last = ex;
            }
        }

        throw last!;
    }
}
