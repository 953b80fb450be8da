using System.Globalization;
using EdgeCommerce.Origin.Storage.Drops;
using static EdgeCommerce.Origin.Storage.StoreSql;

namespace EdgeCommerce.Origin.Storage;

/// <summary>The change log the edges sync from: reads, the consistent snapshot, and compaction.</summary>
internal sealed partial class OriginStore
{
    public async Task<IReadOnlyList<ChangeRecord>> ReadChangesAsync(long afterRevision, int maxCount, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT revision, creator_id, kind, payload FROM changes WHERE revision > @after ORDER BY revision LIMIT @max;",
            ("after", afterRevision), ("max", maxCount));
        return await StoreRows.ReadAllAsync(select, StoreRows.Change, cancellationToken);
    }

    public async Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken)
    {
        var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        try
        {
            // One read snapshot: the head, the count and every streamed row agree, however many
            // writes commit while the snapshot streams.
            var transaction = await Dialect.BeginSnapshotAsync(connection, cancellationToken);
            var head = await ReadHeadAsync(connection, transaction, cancellationToken);
            var count = Convert.ToInt32(await ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM catalogs;", cancellationToken), CultureInfo.InvariantCulture);
            var keySet = await ScalarAsync(connection, transaction, "SELECT payload FROM key_set WHERE id = 1;", cancellationToken) as byte[];
            var drops = await DropSql.ReadPayloadsAsync(connection, transaction, cancellationToken);
            return new OriginStoreSnapshot(connection, transaction, $"SELECT payload FROM catalogs ORDER BY creator_id {Dialect.ByteOrder};", head, count, keySet, drops);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return (long)(await ScalarAsync(connection, null, "SELECT value FROM meta WHERE key = 'compacted_revision';", cancellationToken) ?? 0L);
    }

    public async Task<long> GetLastRevisionAtOrBeforeAsync(DateTimeOffset time, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return (long)(await ScalarAsync(connection, null, "SELECT COALESCE(MAX(revision), 0) FROM changes WHERE created_at_ms <= @at;",
            cancellationToken, ("at", time.ToUnixTimeMilliseconds())) ?? 0L);
    }

    /// <summary>Under the write lock, like a write: two replicas compacting at once take turns, and the horizon never passes a revision still being written.</summary>
    public Task<int> CompactAsync(long revision, CancellationToken cancellationToken)
        => WriteAsync(async (connection, transaction, head) =>
        {
            var horizon = Math.Min(revision, head);
            var current = (long)(await ScalarAsync(connection, transaction, "SELECT value FROM meta WHERE key = 'compacted_revision';", cancellationToken) ?? 0L);
            if (horizon <= current)
            {
                return (0, 0L);
            }

            await using var delete = Command(connection, transaction, "DELETE FROM changes WHERE revision <= @horizon;", ("horizon", horizon));
            var deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
            await ExecuteAsync(connection, transaction, "UPDATE meta SET value = @horizon WHERE key = 'compacted_revision';", cancellationToken, ("horizon", horizon));
            return (deleted, 0L);
        }, cancellationToken);

    public async Task<DateTimeOffset?> GetRevisionTimeAsync(long revision, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await ScalarAsync(connection, null, "SELECT created_at_ms FROM changes WHERE revision = @revision;", cancellationToken, ("revision", revision)) is long ms
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
    }
}
