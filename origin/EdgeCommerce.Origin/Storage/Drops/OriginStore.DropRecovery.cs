using EdgeCommerce.Origin.Storage.Drops;

namespace EdgeCommerce.Origin.Storage;

/// <summary>Drop crash recovery (the rules live in <see cref="DropSql"/>).</summary>
internal sealed partial class OriginStore
{
    public Task<ReclaimedLeases> ReclaimLeasesAsync(string edgeId, DateTimeOffset now, CancellationToken cancellationToken)
        => DropWriteAsync(scope => DropSql.ReclaimLeasesAsync(scope, edgeId, now, cancellationToken), cancellationToken);

    public async Task<EdgeSale?> FindSaleAsync(string reservationId, string edgeId, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await DropSql.FindSaleAsync(connection, reservationId, edgeId, cancellationToken);
    }
}
