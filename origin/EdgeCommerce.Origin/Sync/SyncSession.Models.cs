using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage;

namespace EdgeCommerce.Origin.Sync;

/// <summary>
/// Models on the stream (protocol 2): a model's bytes go out as <see cref="ModelChunk"/>s right
/// before the batch (or <see cref="SnapshotEnd"/>) that activates it, so an edge never meets an
/// activation whose bytes it could have had but did not (make-before-break). Each model is sent
/// at most once per stream, and read and encoded once for all of them (<see cref="ChangeFeed.Models"/>).
/// </summary>
internal sealed partial class SyncSession
{
    private readonly HashSet<string> _modelsSent = new(StringComparer.Ordinal);

    private async Task SendActivatedModelsAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        foreach (var record in changes)
        {
            if (record.Kind != ChangeKind.ModelActivated)
            {
                continue;
            }

            var activation = ModelActivation.Parser.ParseFrom(record.Payload);
            if (!_modelsSent.Contains(activation.Sha256))
            {
                // One read for every stream the activation wakes, not bounded by any one stream's token.
                await SendModelAsync(activation.Sha256, async () => await store.GetModelAsync(activation.Version, CancellationToken.None) is { } model ? (model.Version, model.Onnx) : null, cancellationToken);
            }
        }
    }

    /// <summary>Sends the active model's bytes (if any) and returns its activation for the snapshot's end.</summary>
    private async Task<ModelActivation?> SendActiveModelAsync(CancellationToken cancellationToken)
    {
        // REVIEW: read beside (not inside) the snapshot's read transaction, so it can be newer than
        // the snapshot's revision; activation is idempotent on the edge and the change that made it
        // follows in a batch anyway.
        if (await store.GetActiveModelAsync(cancellationToken) is not { } model)
        {
            return null;
        }

        if (!_modelsSent.Contains(model.Sha256))
        {
            await SendModelAsync(model.Sha256, () => Task.FromResult<(string, byte[])?>((model.Version, model.Onnx)), cancellationToken);
        }

        return new ModelActivation { Version = model.Version, Sha256 = model.Sha256, Size = model.Onnx.Length };
    }

    private async Task SendModelAsync(string sha256, Func<Task<(string Version, byte[] Onnx)?>> read, CancellationToken cancellationToken)
    {
        if (await feed.Models.GetAsync(sha256, options.SnapshotChunkBytes, read, cancellationToken) is not { } chunks)
        {
            return;
        }

        foreach (var chunk in chunks)
        {
            await writer.WriteAsync(chunk, cancellationToken);
        }

        _modelsSent.Add(sha256);
    }
}
