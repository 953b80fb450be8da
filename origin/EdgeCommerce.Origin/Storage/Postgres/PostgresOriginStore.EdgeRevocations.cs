using Npgsql;

namespace EdgeCommerce.Origin.Storage.Postgres;

internal sealed partial class PostgresOriginStore : IEdgeRevocationStore
{
    // REVIEW: created idempotently beside the versioned migrations (under the same advisory lock) so this
    // feature merges without renumbering other features' migrations; fold into the next version.
    private static Task CreateEdgeRevocationTablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        => ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS revoked_edges (
                edge_id TEXT PRIMARY KEY,
                revoked_at_ms BIGINT NOT NULL
            );
            """, cancellationToken);

    public async Task RevokeEdgeAsync(string edgeId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "INSERT INTO revoked_edges (edge_id, revoked_at_ms) VALUES (@id, @at) ON CONFLICT (edge_id) DO NOTHING;",
            cancellationToken, ("id", edgeId), ("at", at.ToUnixTimeMilliseconds()));
    }

    public async Task<bool> AllowEdgeAsync(string edgeId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var delete = Command(connection, null, "DELETE FROM revoked_edges WHERE edge_id = @id;", ("id", edgeId));
        return await delete.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<bool> IsEdgeRevokedAsync(string edgeId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ScalarAsync(connection, null, "SELECT 1 FROM revoked_edges WHERE edge_id = @id;", cancellationToken, ("id", edgeId)) is not null;
    }

    public async Task<IReadOnlyList<string>> ListRevokedEdgesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null, "SELECT edge_id FROM revoked_edges;");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
