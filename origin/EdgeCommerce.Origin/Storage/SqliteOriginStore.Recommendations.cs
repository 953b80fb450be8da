using Microsoft.Data.Sqlite;

namespace EdgeCommerce.Origin.Storage;

internal sealed partial class SqliteOriginStore
{
    // REVIEW: created idempotently beside the versioned migrations (no user_version bump) so this
    // feature merges without renumbering other features' migrations; fold into the next version.
    private static Task CreateRecommendationTablesAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
        => ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS models (
                version TEXT PRIMARY KEY,
                sha256 TEXT NOT NULL,
                size INTEGER NOT NULL,
                onnx BLOB NOT NULL,
                metrics_json TEXT NOT NULL,
                created_at_ms INTEGER NOT NULL,
                activated_revision INTEGER NOT NULL DEFAULT 0
            ) STRICT;
            CREATE TABLE IF NOT EXISTS interactions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                viewer_id TEXT NOT NULL,
                creator_id TEXT NOT NULL,
                product_id TEXT NOT NULL,
                kind INTEGER NOT NULL,
                at_ms INTEGER NOT NULL
            ) STRICT;
            CREATE INDEX IF NOT EXISTS interactions_at ON interactions (at_ms);
            CREATE INDEX IF NOT EXISTS interactions_viewer ON interactions (viewer_id);
            """, cancellationToken);

    public async Task<bool> AddModelAsync(ModelRecord model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        await using var connection = await OpenAsync(cancellationToken);
        await using var insert = Command(connection, null, """
            INSERT INTO models (version, sha256, size, onnx, metrics_json, created_at_ms) VALUES ($version, $sha, $size, $onnx, $metrics, $at)
            ON CONFLICT (version) DO NOTHING;
            """,
            ("$version", model.Version), ("$sha", model.Sha256), ("$size", (long)model.Onnx.Length), ("$onnx", model.Onnx),
            ("$metrics", model.MetricsJson), ("$at", model.CreatedAt.ToUnixTimeMilliseconds()));
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<long?> ActivateModelAsync(string version, byte[] activationPayload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(activationPayload);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            if (await ScalarAsync(connection, transaction, "SELECT 1 FROM models WHERE version = $version;", cancellationToken, ("$version", version)) is null)
            {
                return null;
            }

            var revision = await ReadHeadAsync(connection, transaction, cancellationToken) + 1;
            await AppendChangeAsync(connection, transaction, revision, "", ChangeKind.ModelActivated, activationPayload, cancellationToken);
            await ExecuteAsync(connection, transaction, "UPDATE models SET activated_revision = $revision WHERE version = $version;", cancellationToken,
                ("$revision", revision), ("$version", version));
            await transaction.CommitAsync(cancellationToken);
            _signal.Publish(revision);
            return revision;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT version, sha256, size, metrics_json, created_at_ms, activated_revision FROM models ORDER BY created_at_ms DESC, version DESC;");
        return await StoreRows.ReadAllAsync(select, RecommendationRows.Summary, cancellationToken);
    }

    public async Task<ModelRecord?> GetModelAsync(string version, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT version, sha256, onnx, metrics_json, created_at_ms, activated_revision FROM models WHERE version = $version;", ("$version", version));
        return (await StoreRows.ReadAllAsync(select, RecommendationRows.Model, cancellationToken)).SingleOrDefault();
    }

    public async Task<ModelRecord?> GetActiveModelAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
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

        await using var connection = await OpenAsync(cancellationToken);
        // Training data, not state: no fsync of its own (losing the last moments in a power cut is acceptable).
        await ExecuteAsync(connection, null, "PRAGMA synchronous=NORMAL;", cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = Command(connection, transaction,
            "INSERT INTO interactions (viewer_id, creator_id, product_id, kind, at_ms) VALUES ($viewer, $creator, $product, $kind, $at);",
            ("$viewer", ""), ("$creator", ""), ("$product", ""), ("$kind", 0), ("$at", 0L));
        foreach (var interaction in interactions)
        {
            insert.Parameters["$viewer"].Value = interaction.ViewerId;
            insert.Parameters["$creator"].Value = interaction.CreatorId;
            insert.Parameters["$product"].Value = interaction.ProductId;
            insert.Parameters["$kind"].Value = interaction.Kind;
            insert.Parameters["$at"].Value = interaction.At.ToUnixTimeMilliseconds();
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<InteractionRecord>> ReadInteractionsAsync(DateTimeOffset since, int maxCount, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = Command(connection, null,
            "SELECT viewer_id, creator_id, product_id, kind, at_ms FROM interactions WHERE at_ms >= $since ORDER BY at_ms, id LIMIT $max;",
            ("$since", since.ToUnixTimeMilliseconds()), ("$max", maxCount));
        return await StoreRows.ReadAllAsync(select, RecommendationRows.Interaction, cancellationToken);
    }

    public async Task<int> DeleteInteractionsBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var delete = Command(connection, null, "DELETE FROM interactions WHERE at_ms < $before;", ("$before", before.ToUnixTimeMilliseconds()));
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteViewerInteractionsAsync(string viewerId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var delete = Command(connection, null, "DELETE FROM interactions WHERE viewer_id = $viewer;", ("$viewer", viewerId));
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }
}
