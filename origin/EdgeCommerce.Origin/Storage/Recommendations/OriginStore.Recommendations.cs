using static EdgeCommerce.Origin.Storage.StoreSql;

namespace EdgeCommerce.Origin.Storage;

/// <summary>The model registry (one active model, announced through the change log) and the training interactions.</summary>
internal sealed partial class OriginStore
{
    public async Task<bool> AddModelAsync(ModelRecord model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var insert = Command(connection, null, """
            INSERT INTO models (version, sha256, size, onnx, metrics_json, created_at_ms) VALUES (@version, @sha, @size, @onnx, @metrics, @at)
            ON CONFLICT (version) DO NOTHING;
            """,
            ("version", model.Version), ("sha", model.Sha256), ("size", (long)model.Onnx.Length), ("onnx", model.Onnx),
            ("metrics", model.MetricsJson), ("at", model.CreatedAt.ToUnixTimeMilliseconds()));
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public Task<long?> ActivateModelAsync(string version, byte[] activationPayload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(activationPayload);
        return WriteAsync<long?>(async (connection, transaction, head) =>
        {
            if (await ScalarAsync(connection, transaction, "SELECT 1 FROM models WHERE version = @version;", cancellationToken, ("version", version)) is null)
            {
                return (null, 0L);
            }

            var revision = head + 1;
            await AppendChangeAsync(connection, transaction, revision, "", ChangeKind.ModelActivated, activationPayload, cancellationToken,
                new SqlStatement("UPDATE models SET activated_revision = @revision WHERE version = @version;", ("revision", revision), ("version", version)));
            return (revision, revision);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            $"SELECT version, sha256, size, metrics_json, created_at_ms, activated_revision FROM models ORDER BY created_at_ms DESC, version {Dialect.ByteOrder} DESC;");
        return await StoreRows.ReadAllAsync(select, RecommendationRows.Summary, cancellationToken);
    }

    public async Task<ModelRecord?> GetModelAsync(string version, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT version, sha256, onnx, metrics_json, created_at_ms, activated_revision FROM models WHERE version = @version;", ("version", version));
        return (await StoreRows.ReadAllAsync(select, RecommendationRows.Model, cancellationToken)).SingleOrDefault();
    }

    public async Task<ModelRecord?> GetActiveModelAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
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

        var inserts = new List<SqlStatement>(interactions.Count);
        foreach (var interaction in interactions)
        {
            inserts.Add(new("INSERT INTO interactions (viewer_id, creator_id, product_id, kind, at_ms) VALUES (@viewer, @creator, @product, @kind, @at);",
                ("viewer", interaction.ViewerId), ("creator", interaction.CreatorId), ("product", interaction.ProductId),
                ("kind", interaction.Kind), ("at", interaction.At.ToUnixTimeMilliseconds())));
        }

        // Training data, not state: no wait for durability of its own (losing the last moments in a power cut is acceptable).
        await WriteRelaxedAsync(inserts, cancellationToken);
    }

    public async Task<IReadOnlyList<InteractionRecord>> ReadInteractionsAsync(DateTimeOffset since, int maxCount, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT viewer_id, creator_id, product_id, kind, at_ms FROM interactions WHERE at_ms >= @since ORDER BY at_ms, id LIMIT @max;",
            ("since", since.ToUnixTimeMilliseconds()), ("max", maxCount));
        return await StoreRows.ReadAllAsync(select, RecommendationRows.Interaction, cancellationToken);
    }

    public async Task<int> DeleteInteractionsBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var delete = Command(connection, null, "DELETE FROM interactions WHERE at_ms < @before;", ("before", before.ToUnixTimeMilliseconds()));
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteViewerInteractionsAsync(string viewerId, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var delete = Command(connection, null, "DELETE FROM interactions WHERE viewer_id = @viewer;", ("viewer", viewerId));
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }
}
