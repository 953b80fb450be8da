using EdgeCommerce.Origin.Storage.Drops;

namespace EdgeCommerce.Origin.Storage;

/// <summary>Drops: the rules live in <see cref="DropSql"/>; this part gives them the store's write transaction.</summary>
internal sealed partial class OriginStore : IDropStore
{
    public Task<DropWriteResult> PutDropAsync(DropWrite write, CancellationToken cancellationToken)
        => DropWriteAsync(scope => DropSql.PutAsync(scope, write, cancellationToken), cancellationToken);

    public Task<DropWriteResult> CancelDropAsync(string creatorId, string dropId, DateTimeOffset now, CancellationToken cancellationToken)
        => DropWriteAsync(scope => DropSql.CancelAsync(scope, creatorId, dropId, now, cancellationToken), cancellationToken);

    public Task<LeaseGrant> AcquireLeaseAsync(LeaseAsk ask, CancellationToken cancellationToken)
        => DropWriteAsync(scope => DropSql.AcquireLeaseAsync(scope, ask, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<LeaseGrant>> AcquireLeasesAsync(IReadOnlyList<LeaseAsk> asks, CancellationToken cancellationToken)
        => DropWriteAsync(scope => DropSql.AcquireLeasesAsync(scope, asks, cancellationToken), cancellationToken);

    public Task<int> ReturnLeaseAsync(string leaseId, int units, DateTimeOffset now, string? edgeId, CancellationToken cancellationToken)
        => DropWriteAsync(scope => DropSql.ReturnLeaseAsync(scope, leaseId, units, now, edgeId, cancellationToken), cancellationToken);

    public Task<SaleResult> ConfirmSaleAsync(SaleRequest sale, CancellationToken cancellationToken)
        => DropWriteAsync(scope => DropSql.ConfirmAsync(scope, sale, cancellationToken), cancellationToken);

    public Task<int> ReportHoldsAsync(string dropId, string edgeId, IReadOnlyList<LeaseHoldReport> holds, DateTimeOffset now, CancellationToken cancellationToken)
        => DropWriteAsync(scope => DropSql.ReportHoldsAsync(scope, dropId, edgeId, holds, now, cancellationToken), cancellationToken);

    public Task<bool> RsvpAsync(string dropId, string viewer, DateTimeOffset now, CancellationToken cancellationToken)
        => DropWriteAsync(scope => DropSql.RsvpAsync(scope, dropId, viewer, now, cancellationToken), cancellationToken);

    public async Task<StoredDrop?> GetDropAsync(string dropId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await DropSql.GetAsync(connection, dropId, now, cancellationToken);
    }

    public async Task<IReadOnlyList<StoredDrop>> ListDropsAsync(string creatorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await DropSql.ListAsync(connection, creatorId, now, cancellationToken);
    }

    public async Task<bool> HasRsvpAsync(string dropId, string viewer, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await DropSql.HasRsvpAsync(connection, dropId, viewer, cancellationToken);
    }

    public async Task<IReadOnlyList<SaleRecord>> ListSalesAsync(string dropId, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await DropSql.ListSalesAsync(connection, dropId, cancellationToken);
    }

    public async Task<long> CountRsvpsAsync(string dropId, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await DropSql.CountRsvpsAsync(connection, dropId, cancellationToken);
    }

    public Task<SaleRecord?> CancelSaleAsync(string creatorId, string dropId, string reservationId, DateTimeOffset now, CancellationToken cancellationToken)
        => DropWriteAsync(scope => DropSql.CancelSaleAsync(scope, creatorId, dropId, reservationId, now, cancellationToken), cancellationToken);

    public Task RecordFunnelsAsync(IReadOnlyList<EdgeFunnelReport> reports, CancellationToken cancellationToken)
        => DropWriteAsync(async scope =>
        {
            await DropSql.RecordFunnelsAsync(scope, reports, cancellationToken);
            return true;
        }, cancellationToken);

    public async Task<DropReportFacts?> GetReportFactsAsync(string dropId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        // One read snapshot: every figure from the same committed state.
        await using var transaction = await Dialect.BeginSnapshotAsync(connection, cancellationToken);
        return await DropSql.ReadReportFactsAsync(connection, transaction, dropId, now, cancellationToken);
    }
}
