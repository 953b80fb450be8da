using EdgeCommerce.Origin.Storage.Drops;
using static EdgeCommerce.Origin.Storage.StoreSql;

namespace EdgeCommerce.Origin.Storage;

/// <summary>Creators' catalogs: one row each, replaced whole by a write that appends its change record.</summary>
internal sealed partial class OriginStore
{
    public Task<CatalogWriteResult> PutCatalogAsync(CatalogWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        return WriteAsync(async (connection, transaction, head) =>
        {
            long? currentRevision = null;
            byte[]? currentHash = null;
            await using (var select = Command(connection, transaction, "SELECT revision, content_hash FROM catalogs WHERE creator_id = @id;", ("id", write.CreatorId)))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    currentRevision = reader.GetInt64(0);
                    currentHash = reader.GetFieldValue<byte[]>(1);
                }
            }

            if (write.ExpectedRevision is { } expected && expected != currentRevision)
            {
                return (new CatalogWriteResult(CatalogWriteOutcome.PreconditionFailed, currentRevision ?? 0), 0L);
            }

            if (currentHash is not null && currentHash.AsSpan().SequenceEqual(write.ContentHash))
            {
                return (new CatalogWriteResult(CatalogWriteOutcome.Unchanged, currentRevision!.Value), 0L);
            }

            var revision = head + 1;
            var payload = write.BuildPayload(revision);
            var inUse = await DropSql.FindSkusInUseAsync(connection, transaction, write.CreatorId, payload, write.Now, cancellationToken);
            if (inUse.Count > 0 && !write.Force)
            {
                return (new CatalogWriteResult(CatalogWriteOutcome.SkusInUse, currentRevision ?? 0, inUse), 0L);
            }

            await AppendChangeAsync(connection, transaction, revision, write.CreatorId, ChangeKind.CatalogUpserted, payload, cancellationToken, new SqlStatement("""
                INSERT INTO catalogs (creator_id, revision, content_hash, document, payload, product_count)
                VALUES (@id, @revision, @hash, @document, @payload, @count)
                ON CONFLICT (creator_id) DO UPDATE SET
                    revision = excluded.revision, content_hash = excluded.content_hash, document = excluded.document,
                    payload = excluded.payload, product_count = excluded.product_count;
                """,
                ("id", write.CreatorId), ("revision", revision), ("hash", write.ContentHash),
                ("document", write.DocumentJson), ("payload", payload), ("count", write.ProductCount)));
            return (new CatalogWriteResult(currentRevision is null ? CatalogWriteOutcome.Created : CatalogWriteOutcome.Updated, revision), revision);
        }, cancellationToken);
    }

    public Task<CatalogWriteResult> DeleteCreatorAsync(string creatorId, long? expectedRevision, CancellationToken cancellationToken)
        => WriteAsync(async (connection, transaction, head) =>
        {
            if (await ScalarAsync(connection, transaction, "SELECT revision FROM catalogs WHERE creator_id = @id;", cancellationToken, ("id", creatorId)) is not long currentRevision)
            {
                return (new CatalogWriteResult(CatalogWriteOutcome.NotFound, 0), 0L);
            }

            if (expectedRevision is { } expected && expected != currentRevision)
            {
                return (new CatalogWriteResult(CatalogWriteOutcome.PreconditionFailed, currentRevision), 0L);
            }

            var revision = head + 1;
            await AppendChangeAsync(connection, transaction, revision, creatorId, ChangeKind.CreatorDeleted, [], cancellationToken,
                new SqlStatement("DELETE FROM catalogs WHERE creator_id = @id;", ("id", creatorId)));
            return (new CatalogWriteResult(CatalogWriteOutcome.Deleted, revision), revision);
        }, cancellationToken);

    public async Task<StoredCatalog?> GetCatalogAsync(string creatorId, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null, "SELECT revision, document FROM catalogs WHERE creator_id = @id;", ("id", creatorId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredCatalog(creatorId, reader.GetInt64(0), reader.GetString(1))
            : null;
    }

    public async Task<IReadOnlyList<CreatorSummary>> ListCreatorsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null, $"SELECT creator_id, revision, product_count FROM catalogs ORDER BY creator_id {Dialect.ByteOrder};");
        return await StoreRows.ReadAllAsync(select, StoreRows.Creator, cancellationToken);
    }
}
