using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage;
using Google.Protobuf;

namespace EdgeCommerce.Origin.Sync;

/// <summary>
/// Models on the stream (protocol 2): a model's bytes go out as <see cref="ModelChunk"/>s right
/// before the batch (or <see cref="SnapshotEnd"/>) that activates it, so an edge never meets an
/// activation whose bytes it could have had but did not (make-before-break). Each model is sent
/// at most once per stream.
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
            if (!_modelsSent.Contains(activation.Sha256) && await store.GetModelAsync(activation.Version, cancellationToken) is { } model)
            {
                await SendModelAsync(model, cancellationToken);
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
            await SendModelAsync(model, cancellationToken);
        }

        return new ModelActivation { Version = model.Version, Sha256 = model.Sha256, Size = model.Onnx.Length };
    }

    private async Task SendModelAsync(ModelRecord model, CancellationToken cancellationToken)
    {
        var size = Math.Max(1, options.SnapshotChunkBytes);
        for (var offset = 0; offset < model.Onnx.Length; offset += size)
        {
            var chunk = new ModelChunk
            {
                Version = model.Version,
                Sha256 = model.Sha256,
                TotalSize = model.Onnx.Length,
                Offset = offset,
                Data = ByteString.CopyFrom(model.Onnx, offset, Math.Min(size, model.Onnx.Length - offset)),
            };
            await writer.WriteAsync(new WatchResponse { ModelChunk = chunk }, cancellationToken);
        }

        _modelsSent.Add(model.Sha256);
    }
}
