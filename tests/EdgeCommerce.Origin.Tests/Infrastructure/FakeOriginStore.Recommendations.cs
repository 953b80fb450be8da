using EdgeCommerce.Origin.Storage;

namespace EdgeCommerce.Origin.Tests.Infrastructure;

internal sealed partial class FakeOriginStore
{
    public Task<bool> AddModelAsync(ModelRecord model, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<long?> ActivateModelAsync(string version, byte[] activationPayload, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<ModelRecord?> GetModelAsync(string version, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<ModelRecord?> GetActiveModelAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task AppendInteractionsAsync(IReadOnlyList<InteractionRecord> interactions, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<InteractionRecord>> ReadInteractionsAsync(DateTimeOffset since, int maxCount, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<int> DeleteInteractionsBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<int> DeleteViewerInteractionsAsync(string viewerId, CancellationToken cancellationToken) => throw new NotSupportedException();
}
