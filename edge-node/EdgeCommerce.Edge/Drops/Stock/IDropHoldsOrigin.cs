using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.Edge.Sync;

namespace EdgeCommerce.Edge.Drops.Stock;

/// <summary>Where <see cref="HoldsReporter"/> sends its reports: the origin's <c>DropInventory.ReportHolds</c>.</summary>
internal interface IDropHoldsOrigin
{
    Task<HoldsReportReply> ReportHoldsAsync(HoldsReport report, CancellationToken cancellationToken);
}

/// <summary>
/// Over the sync channels and <see cref="OriginCalls"/> like every other drop call (same
/// credentials, timeout, circuit breaker and replica failover). A report is absolute counts, so
/// repeating one is harmless.
/// </summary>
internal sealed class GrpcDropHoldsOrigin(OriginChannels channels, OriginCalls calls) : IDropHoldsOrigin
{
    public Task<HoldsReportReply> ReportHoldsAsync(HoldsReport report, CancellationToken cancellationToken)
        => calls.CallAsync(static (index, args, token) => args.channels.Inventory(index).ReportHoldsAsync(args.report, cancellationToken: token).ResponseAsync, (channels, report), cancellationToken);
}
