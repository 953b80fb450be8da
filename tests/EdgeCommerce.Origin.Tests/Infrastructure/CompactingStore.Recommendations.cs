using EdgeCommerce.Origin.Storage;

namespace EdgeCommerce.Origin.Tests.Infrastructure;

internal sealed partial class CompactingStore
{
    public Task<bool> AddModelAsync(ModelRecord model, CancellationToken cancellationToken) => inner.AddModelAsync(model, cancellationToken);

    public Task<long?> ActivateModelAsync(string version, byte[] activationPayload, CancellationToken cancellationToken) => inner.ActivateModelAsync(version, activationPayload, cancellationToken);

    public Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken) => inner.ListModelsAsync(cancellationToken);

    public Task<ModelRecord?> GetModelAsync(string version, CancellationToken cancellationToken) => inner.GetModelAsync(version, cancellationToken);

    public Task<ModelRecord?> GetActiveModelAsync(CancellationToken cancellationToken) => inner.GetActiveModelAsync(cancellationToken);

    public Task AppendInteractionsAsync(IReadOnlyList<InteractionRecord> interactions, CancellationToken cancellationToken) => inner.AppendInteractionsAsync(interactions, cancellationToken);

    public Task<IReadOnlyList<InteractionRecord>> ReadInteractionsAsync(DateTimeOffset since, int maxCount, CancellationToken cancellationToken) => inner.ReadInteractionsAsync(since, maxCount, cancellationToken);

    public Task<int> DeleteInteractionsBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) => inner.DeleteInteractionsBeforeAsync(before, cancellationToken);

    public Task<int> DeleteViewerInteractionsAsync(string viewerId, CancellationToken cancellationToken) => inner.DeleteViewerInteractionsAsync(viewerId, cancellationToken);
}
