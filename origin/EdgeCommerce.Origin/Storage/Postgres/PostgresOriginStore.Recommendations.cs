using System.Data;
using Npgsql;

namespace EdgeCommerce.Origin.Storage.Postgres;

internal sealed partial class PostgresOriginStore
{
    // REVIEW: created idempotently beside the versioned migrations (under the same advisory lock),
    // so this feature merges without renumbering other features' migrations; fold into the next version.
    private static Task CreateRecommendationTablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        => ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS models (
                version TEXT PRIMARY KEY,
                sha256 TEXT NOT NULL,
                size BIGINT NOT NULL,
                onnx BYTEA NOT NULL,
                metrics_json TEXT NOT NULL,
                created_at_ms BIGINT NOT NULL,
                activated_revision BIGINT NOT NULL DEFAULT 0
            );
            CREATE TABLE IF NOT EXISTS interactions (
                id BIGSERIAL PRIMARY KEY,
                viewer_id TEXT NOT NULL,
                creator_id TEXT NOT NULL,
                product_id TEXT NOT NULL,
                kind INTEGER NOT NULL,
                at_ms BIGINT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS interactions_at ON interactions (at_ms);
            CREATE INDEX IF NOT EXISTS interactions_viewer ON interactions (viewer_id);
            """, cancellationToken);

    public async Task<bool> AddModelAsync(ModelRecord model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var insert = Command(connection, null, """
            INSERT INTO models (version, sha256, size, onnx, metrics_json, created_at_ms) VALUES (@version, @sha, @size, @onnx, @metrics, @at)
            ON CONFLICT (version) DO NOTHING;
            """,
            ("version", model.Version), ("sha", model.Sha256), ("size", (long)model.Onnx.Length), ("onnx", model.Onnx),
            ("metrics", model.MetricsJson), ("at", model.CreatedAt.ToUnixTimeMilliseconds()));
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<long?> ActivateModelAsync(string version, byte[] activationPayload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(activationPayload);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var revision = await ReadHeadAsync(connection, transaction, forUpdate: true, cancellationToken) + 1;
        if (await ScalarAsync(connection, transaction, "SELECT 1 FROM models WHERE version = @version;", cancellationToken, ("version", version)) is null)
        {
            return null;
        }

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            AddChange(batch, revision, "", ChangeKind.ModelActivated, activationPayload);
            batch.BatchCommands.Add(BatchCommand("UPDATE models SET activated_revision = @revision WHERE version = @version;", ("revision", revision), ("version", version)));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        signal.Publish(revision);
        return revision;
    }

    public async Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT version, sha256, size, metrics_json, created_at_ms, activated_revision FROM models ORDER BY created_at_ms DESC, version COLLATE \"C\" DESC;");
        return await StoreRows.ReadAllAsync(select, RecommendationRows.Summary, cancellationToken);
    }

    public async Task<ModelRecord?> GetModelAsync(string version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT version, sha256, onnx, metrics_json, created_at_ms, activated_revision FROM models WHERE version = @version;", ("version", version));
        return (await StoreRows.ReadAllAsync(select, RecommendationRows.Model, cancellationToken)).SingleOrDefault();
    }

    public async Task<ModelRecord?> GetActiveModelAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT version, sha256, onnx, metrics_json, created_at_ms, activated_revision FROM models WHERE activated_revision > 0 ORDER BY activated_revision DESC LIMIT 1;");
        return (await StoreRows.ReadAllAsync(select, RecommendationRows.Model, cancellationToken)).SingleOrDefault();
    }

    public async Task AppendInteractionsAsync(IReadOnlyList<InteractionRecord> interactions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        if (interactions.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        // Training data, not state: no fsync wait of its own.
        batch.BatchCommands.Add(BatchCommand("SET LOCAL synchronous_commit = off;"));
        foreach (var interaction in interactions)
        {
            batch.BatchCommands.Add(BatchCommand(
                "INSERT INTO interactions (viewer_id, creator_id, product_id, kind, at_ms) VALUES (@viewer, @creator, @product, @kind, @at);",
                ("viewer", interaction.ViewerId), ("creator", interaction.CreatorId), ("product", interaction.ProductId),
                ("kind", interaction.Kind), ("at", interaction.At.ToUnixTimeMilliseconds())));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<InteractionRecord>> ReadInteractionsAsync(DateTimeOffset since, int maxCount, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT viewer_id, creator_id, product_id, kind, at_ms FROM interactions WHERE at_ms >= @since ORDER BY at_ms, id LIMIT @max;",
            ("since", since.ToUnixTimeMilliseconds()), ("max", maxCount));
        return await StoreRows.ReadAllAsync(select, RecommendationRows.Interaction, cancellationToken);
    }

    public async Task<int> DeleteInteractionsBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var delete = Command(connection, null, "DELETE FROM interactions WHERE at_ms < @before;", ("before", before.ToUnixTimeMilliseconds()));
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteViewerInteractionsAsync(string viewerId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var delete = Command(connection, null, "DELETE FROM interactions WHERE viewer_id = @viewer;", ("viewer", viewerId));
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }
}
