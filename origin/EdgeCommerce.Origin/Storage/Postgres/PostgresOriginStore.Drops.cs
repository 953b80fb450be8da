using System.Data;
using EdgeCommerce.Origin.Storage.Drops;
using Npgsql;

namespace EdgeCommerce.Origin.Storage.Postgres;

/// <summary>Drops on PostgreSQL: the rules live in <see cref="DropSql"/>; this part opens the write transaction.</summary>
internal sealed partial class PostgresOriginStore : IDropStore
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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await DropSql.GetAsync(connection, dropId, now, cancellationToken);
    }

    public async Task<IReadOnlyList<StoredDrop>> ListDropsAsync(string creatorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await DropSql.ListAsync(connection, creatorId, now, cancellationToken);
    }

    public async Task<bool> HasRsvpAsync(string dropId, string viewer, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await DropSql.HasRsvpAsync(connection, dropId, viewer, cancellationToken);
    }

    public async Task<IReadOnlyList<SaleRecord>> ListSalesAsync(string dropId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await DropSql.ListSalesAsync(connection, dropId, cancellationToken);
    }

    public async Task<long> CountRsvpsAsync(string dropId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One MVCC snapshot: every figure from the same committed state.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        return await DropSql.ReadReportFactsAsync(connection, transaction, dropId, now, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one READ COMMITTED transaction whose first statement locks
    /// the head row, so drop writes of every origin replica serialize with every other write.
    /// </summary>
    private async Task<T> DropWriteAsync<T>(Func<DropWriteScope, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var head = await ReadHeadAsync(connection, transaction, forUpdate: true, cancellationToken);
        var scope = new DropWriteScope(connection, transaction, head, async (revision, creatorId, kind, payload, token) =>
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            AddChange(batch, revision, creatorId, kind, payload);
            await batch.ExecuteNonQueryAsync(token);
        });
        var result = await work(scope);
        await transaction.CommitAsync(cancellationToken);
        if (scope.Revision != 0)
        {
            signal.Publish(scope.Revision);
        }

        return result;
    }
}
