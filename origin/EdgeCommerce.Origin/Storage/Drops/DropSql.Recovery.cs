using System.Data.Common;

namespace EdgeCommerce.Origin.Storage.Drops;

/// <summary>What an edge process that crashed leaves behind: its leases' unsold units, and sales it may have to answer for.</summary>
internal static partial class DropSql
{
    /// <summary>
    /// Every unexpired lease of <paramref name="edgeId"/> keeps only its sold units (one revision per
    /// drop that changed). Only for an edge that holds no lease in its current process: whatever
    /// reservations an earlier process held inside them are gone with it.
    /// </summary>
    public static async Task<ReclaimedLeases> ReclaimLeasesAsync(DropWriteScope scope, string edgeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var leases = new List<(string LeaseId, string DropId, long Unsold)>();
        await using (var select = Command(scope.Connection, scope.Transaction, """
            SELECT lease_id, drop_id, units - sold FROM drop_leases
            WHERE edge_id = @edge AND expires_at_ms > @now AND units > sold ORDER BY lease_id;
            """, ("edge", edgeId), ("now", now.ToUnixTimeMilliseconds())))
        {
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                leases.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
            }
        }

        foreach (var lease in leases)
        {
            await ExecuteAsync(scope.Connection, scope.Transaction, "UPDATE drop_leases SET units = sold, held = 0, held_until_ms = 0 WHERE lease_id = @lease;",
                cancellationToken, ("lease", lease.LeaseId));
        }

        foreach (var dropId in leases.Select(static lease => lease.DropId).Distinct(StringComparer.Ordinal))
        {
            await PublishAsync(scope, dropId, now, cancellationToken);
        }

        return new ReclaimedLeases(leases.Count, checked((int)leases.Sum(static lease => lease.Unsold)));
    }

    /// <summary>The sale recorded under <paramref name="reservationId"/> when a lease of <paramref name="edgeId"/> holds it; null otherwise.</summary>
    public static async Task<EdgeSale?> FindSaleAsync(DbConnection connection, string reservationId, string edgeId, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, null, """
            SELECT s.drop_id, s.creator_id, s.sku_id, s.viewer, s.idempotency_key, s.quantity, s.lease_id, s.confirmed_at_ms
            FROM drop_sales s JOIN drop_leases l ON l.lease_id = s.lease_id
            WHERE s.reservation_id = @reservation AND l.edge_id = @edge;
            """, ("reservation", reservationId), ("edge", edgeId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new EdgeSale(reader.GetString(0), reader.GetString(1), new SaleRecord(reservationId, reader.GetString(2), reader.GetString(3), reader.GetString(4),
                checked((int)reader.GetInt64(5)), reader.GetString(6), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))))
            : null;
    }
}

/// <summary>What <see cref="IDropStore.ReclaimLeasesAsync"/> gave back.</summary>
internal readonly record struct ReclaimedLeases(int Leases, int Units);

/// <summary>A sale with the drop and creator it belongs to (<see cref="IDropStore.FindSaleAsync"/>).</summary>
internal sealed record EdgeSale(string DropId, string CreatorId, SaleRecord Sale);
