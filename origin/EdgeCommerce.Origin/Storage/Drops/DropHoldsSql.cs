using System.Data.Common;
using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Origin.Storage.Drops;

/// <summary>
/// Units held by the edges' live reservations, stored with each lease (<c>held</c>,
/// <c>held_until_ms</c>) rather than in origin memory: every origin replica publishes the same
/// numbers, a restarted origin publishes what the edges last reported, and a report is a revision
/// on the one ordered stream like every other stock movement.
/// </summary>
internal static partial class DropSql
{
    /// <summary>
    /// Stores the calling edge's report for its leases of <paramref name="dropId"/> (another edge's,
    /// another drop's, unknown or ended leases are skipped; counts are clamped to what the lease holds
    /// unsold), then publishes the drop once when any lease's held units changed. Returns how many
    /// leases were applied.
    /// </summary>
    public static async Task<int> ReportHoldsAsync(DropWriteScope scope, string dropId, string edgeId, IReadOnlyList<LeaseHoldReport> holds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var applied = 0;
        var changed = false;
        foreach (var hold in holds)
        {
            HoldRow? row = null;
            await using (var select = Command(scope.Connection, scope.Transaction,
                "SELECT drop_id, edge_id, units, sold, expires_at_ms, held, held_until_ms FROM drop_leases WHERE lease_id = @lease;", ("lease", hold.LeaseId)))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    row = new HoldRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
                }
            }

            if (row is null || !string.Equals(row.DropId, dropId, StringComparison.Ordinal) || !string.Equals(row.EdgeId, edgeId, StringComparison.Ordinal)
                || row.ExpiresAtMs <= nowMs)
            {
                continue;
            }

            applied++;
            var held = Math.Clamp(hold.Held, 0L, Math.Max(0L, row.Units - row.Sold));
            var until = held > 0 && hold.NextRelease is { } next ? next.ToUnixTimeMilliseconds() : 0L;
            if (held == row.Held && until == row.HeldUntilMs)
            {
                continue;
            }

            await ExecuteAsync(scope.Connection, scope.Transaction, "UPDATE drop_leases SET held = @held, held_until_ms = @until WHERE lease_id = @lease;",
                cancellationToken, ("held", held), ("until", until), ("lease", hold.LeaseId));
            changed |= held != row.Held;
        }

        // Only the held units are on the edges; the next release time matters only to lease refusals.
        if (changed)
        {
            await PublishAsync(scope, dropId, now, cancellationToken);
        }

        return applied;
    }

    /// <summary>
    /// Adds, per SKU, the units each unexpired lease's reservations hold (at most what it holds
    /// unsold) with the lease's expiry: edges stop counting a hold when its lease ends, so a lease
    /// that ends with reservations in it (its edge died) needs no write to reach them.
    /// </summary>
    private static async Task AddHoldsAsync(DbConnection connection, DbTransaction? transaction, DropState state, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, transaction, """
            SELECT sku_id, held, units - sold, expires_at_ms FROM drop_leases
            WHERE drop_id = @drop AND expires_at_ms > @now AND held > 0
            ORDER BY sku_id, expires_at_ms, lease_id;
            """, ("drop", state.DropId), ("now", now.ToUnixTimeMilliseconds()));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var units = Math.Min(reader.GetInt64(1), reader.GetInt64(2));
            if (units <= 0)
            {
                continue;
            }

            var skuId = reader.GetString(0);
            foreach (var sku in state.Skus)
            {
                if (string.Equals(sku.SkuId, skuId, StringComparison.Ordinal))
                {
                    sku.Holds.Add(new LeaseHold { Units = checked((int)units), ExpiresAtUnixMs = reader.GetInt64(3) });
                    break;
                }
            }
        }
    }

    private sealed record HoldRow(string DropId, string EdgeId, long Units, long Sold, long ExpiresAtMs, long Held, long HeldUntilMs);
}
