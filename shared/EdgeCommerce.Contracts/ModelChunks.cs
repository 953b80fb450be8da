using Google.Protobuf;

namespace EdgeCommerce.Contracts.Sync;

/// <summary>
/// A model's bytes as the <see cref="ModelChunk"/> responses that carry them down a Sync stream,
/// read and encoded once for every stream that sends the model. An activation reaches every stream
/// within the same second, and each sends the model once, right before the activation (or a
/// snapshot's end): so only the latest model is kept, and a second one replaces it.
/// </summary>
public sealed class ModelChunks
{
    private readonly Lock _gate = new();
    private Entry? _latest;

    /// <summary>
    /// The chunks of model <paramref name="sha256"/>, <paramref name="chunkBytes"/> each at most,
    /// from <paramref name="read"/> (called once for all concurrent callers, with no caller's
    /// token); null when <paramref name="read"/> found no bytes. A null or a failure is not kept:
    /// the next caller reads again.
    /// </summary>
    public async Task<IReadOnlyList<WatchResponse>?> GetAsync(string sha256, int chunkBytes, Func<Task<(string Version, byte[] Onnx)?>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        Entry entry;
        lock (_gate)
        {
            if (_latest is not { } latest || !string.Equals(latest.Sha256, sha256, StringComparison.Ordinal) || latest.ChunkBytes != chunkBytes)
            {
                _latest = latest = new Entry(sha256, chunkBytes, EncodeAsync(sha256, chunkBytes, read));
            }

            entry = latest;
        }

        try
        {
            return await entry.Chunks.WaitAsync(cancellationToken) ?? Forget(entry);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Forget(entry);
            throw;
        }
    }

    private static async Task<IReadOnlyList<WatchResponse>?> EncodeAsync(string sha256, int chunkBytes, Func<Task<(string Version, byte[] Onnx)?>> read)
    {
        if (await read() is not var (version, onnx))
        {
            return null;
        }

        var size = Math.Max(1, chunkBytes);
        var chunks = new List<WatchResponse>((onnx.Length + size - 1) / size);
        for (var offset = 0; offset < onnx.Length; offset += size)
        {
            chunks.Add(new WatchResponse
            {
                ModelChunk = new ModelChunk
                {
                    Version = version,
                    Sha256 = sha256,
                    TotalSize = onnx.Length,
                    Offset = offset,
                    Data = ByteString.CopyFrom(onnx, offset, Math.Min(size, onnx.Length - offset)),
                },
            }.Encode());
        }

        return chunks;
    }

    private IReadOnlyList<WatchResponse>? Forget(Entry entry)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_latest, entry))
            {
                _latest = null;
            }
        }

        return null;
    }

    private sealed record Entry(string Sha256, int ChunkBytes, Task<IReadOnlyList<WatchResponse>?> Chunks);
}
