using static EdgeCommerce.Origin.Storage.StoreSql;

namespace EdgeCommerce.Origin.Storage;

/// <summary>Edges an operator revoked: refused at their next sync until allowed again.</summary>
internal sealed partial class OriginStore : IEdgeRevocationStore
{
    public async Task RevokeEdgeAsync(string edgeId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "INSERT INTO revoked_edges (edge_id, revoked_at_ms) VALUES (@id, @at) ON CONFLICT (edge_id) DO NOTHING;",
            cancellationToken, ("id", edgeId), ("at", at.ToUnixTimeMilliseconds()));
    }

    public async Task<bool> AllowEdgeAsync(string edgeId, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var delete = Command(connection, null, "DELETE FROM revoked_edges WHERE edge_id = @id;", ("id", edgeId));
        return await delete.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<bool> IsEdgeRevokedAsync(string edgeId, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await ScalarAsync(connection, null, "SELECT 1 FROM revoked_edges WHERE edge_id = @id;", cancellationToken, ("id", edgeId)) is not null;
    }

    public async Task<IReadOnlyList<string>> ListRevokedEdgesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null, "SELECT edge_id FROM revoked_edges;");
        return await StoreRows.ReadAllAsync(select, static reader => reader.GetString(0), cancellationToken);
    }
}
