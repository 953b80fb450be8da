namespace EdgeCommerce.Origin.Storage;

/// <summary>
/// The model registry and the interaction log, part of <see cref="IOriginStore"/> (both stores
/// implement it in a <c>*.Recommendations.cs</c> partial file). Activating a model is a write like
/// any other: the next revision and one <see cref="ChangeKind.ModelActivated"/> change record in
/// the same transaction, so activations reach edges in order with everything else.
/// </summary>
internal interface IRecommendationStore
{
    /// <summary>Stores a trained model. False when the version already exists.</summary>
    Task<bool> AddModelAsync(ModelRecord model, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="version"/> the active model: one revision whose change record carries
    /// <paramref name="activationPayload"/> (a protobuf <c>ModelActivation</c>). Null when no such model.
    /// </summary>
    Task<long?> ActivateModelAsync(string version, byte[] activationPayload, CancellationToken cancellationToken);

    /// <summary>Every model without its bytes, newest first.</summary>
    Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken);

    /// <summary>One model with its bytes; null when unknown.</summary>
    Task<ModelRecord?> GetModelAsync(string version, CancellationToken cancellationToken);

    /// <summary>The model activated last (with its bytes), or null when none ever was.</summary>
    Task<ModelRecord?> GetActiveModelAsync(CancellationToken cancellationToken);

    /// <summary>Appends viewer interactions (no revision: they are training data, not state edges hold).</summary>
    Task AppendInteractionsAsync(IReadOnlyList<InteractionRecord> interactions, CancellationToken cancellationToken);

    /// <summary>Interactions at or after <paramref name="since"/>, oldest first, at most <paramref name="maxCount"/>.</summary>
    Task<IReadOnlyList<InteractionRecord>> ReadInteractionsAsync(DateTimeOffset since, int maxCount, CancellationToken cancellationToken);

    /// <summary>Deletes interactions older than <paramref name="before"/> (retention). Returns how many.</summary>
    Task<int> DeleteInteractionsBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>Deletes every interaction of one viewer (a privacy request). Returns how many.</summary>
    Task<int> DeleteViewerInteractionsAsync(string viewerId, CancellationToken cancellationToken);
}

/// <summary>A registered model.</summary>
/// <param name="MetricsJson">Held-out metrics as JSON (AUC, NDCG@10, the popularity baseline…).</param>
/// <param name="ActivatedRevision">The revision of its latest activation; 0 when never active.</param>
internal sealed record ModelRecord(string Version, string Sha256, byte[] Onnx, string MetricsJson, DateTimeOffset CreatedAt, long ActivatedRevision = 0);

internal sealed record ModelSummary(string Version, string Sha256, long Size, string MetricsJson, DateTimeOffset CreatedAt, long ActivatedRevision);

/// <summary>One viewer interaction as stored. <paramref name="Kind"/>: 0 view … 4 purchase.</summary>
internal sealed record InteractionRecord(string ViewerId, string CreatorId, string ProductId, int Kind, DateTimeOffset At);
