using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Drops;
using EdgeCommerce.Edge.OriginLink;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>
/// An <see cref="InMemoryDropOrigin"/> called through a real <see cref="OriginCalls"/> pipeline,
/// as <see cref="GrpcDropInventoryOrigin"/> calls the real one. While <see cref="Hung"/>, every
/// call that gets through the circuit waits until its attempt's timeout cancels it (an origin that
/// is alive but answers nothing). Counts the calls that reach it and the most at once.
/// </summary>
internal sealed class HangingDropOrigin(OriginCalls calls, InMemoryDropOrigin inner) : IDropInventoryOrigin
{
    private int _inFlight;
    private int _reached;
    private int _maxInFlight;

    public bool Hung { get; set; }

    /// <summary>Calls that got through the circuit to the origin.</summary>
    public int Reached => Volatile.Read(ref _reached);

    /// <summary>Calls the origin holds right now (hung or answering).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most calls the origin held at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public Task<AcquireLeaseReply> AcquireLeaseAsync(AcquireLeaseRequest request, CancellationToken cancellationToken)
        => CallAsync(token => inner.AcquireLeaseAsync(request, token), cancellationToken);

    public Task<ReturnLeaseReply> ReturnLeaseAsync(ReturnLeaseRequest request, CancellationToken cancellationToken)
        => CallAsync(token => inner.ReturnLeaseAsync(request, token), cancellationToken);

    public Task<ConfirmSaleReply> ConfirmSaleAsync(ConfirmSaleRequest request, CancellationToken cancellationToken)
        => CallAsync(token => inner.ConfirmSaleAsync(request, token), cancellationToken);

    public Task<RsvpReply> RsvpAsync(RsvpRequest request, CancellationToken cancellationToken)
        => CallAsync(token => inner.RsvpAsync(request, token), cancellationToken);

    public Task<RsvpReply> HasRsvpAsync(RsvpRequest request, CancellationToken cancellationToken)
        => CallAsync(token => inner.HasRsvpAsync(request, token), cancellationToken);

    public Task<ReclaimLeasesReply> ReclaimLeasesAsync(ReclaimLeasesRequest request, CancellationToken cancellationToken)
        => CallAsync(token => inner.ReclaimLeasesAsync(request, token), cancellationToken);

    public Task<FindSaleReply> FindSaleAsync(FindSaleRequest request, CancellationToken cancellationToken)
        => CallAsync(token => inner.FindSaleAsync(request, token), cancellationToken);

    private Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
        => calls.CallAsync(static async (_, args, token) =>
        {
            var self = args.Item1;
            Interlocked.Increment(ref self._reached);
            var now = Interlocked.Increment(ref self._inFlight);
            int max;
            while (now > (max = Volatile.Read(ref self._maxInFlight)) && Interlocked.CompareExchange(ref self._maxInFlight, now, max) != max)
            {
            }

            try
            {
                if (self.Hung)
                {
                    // Only the attempt's timeout (or the caller) ends this: Timeout.InfiniteTimeSpan on no clock at all.
                    await Task.Delay(Timeout.InfiniteTimeSpan, token);
                }

                return await args.call(token);
            }
            finally
            {
                Interlocked.Decrement(ref self._inFlight);
            }
        }, (this, call), cancellationToken);
}
