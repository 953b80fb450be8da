using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>
/// Receives models from the sync stream: assembles <see cref="ModelChunk"/>s aside (contiguous
/// offsets, announced size, at most <see cref="MaxModelBytes"/>), keeps the last few complete
/// downloads in memory and on disk (<c>&lt;Edge:DataDirectory&gt;/models/&lt;sha256&gt;.onnx</c>,
/// written to a temporary file and renamed, so a restarted edge can load the model its persisted
/// replica names), and activates the model a replica names through <see cref="ModelHolder"/>,
/// which verifies the hash. Called only by the replica's single writer (the sync loop and
/// <c>ReplicaUpdater</c>), never concurrently.
/// </summary>
internal sealed class ModelActivator(ModelHolder holder, IOptions<EdgeOptions> edgeOptions, ILogger<ModelActivator> logger)
{
    /// <summary>The largest model accepted: 256 MiB.</summary>
    public const long MaxModelBytes = 256L * 1024 * 1024;

    private readonly string _directory = Path.Combine(Path.GetFullPath(edgeOptions.Value.DataDirectory), "models");
    private readonly Dictionary<string, byte[]> _complete = new(StringComparer.Ordinal);
    private readonly Queue<string> _completeOrder = new();
    private ModelChunk? _header;
    private byte[]? _buffer;
    private long _received;

    public void AddChunk(ModelChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Offset == 0)
        {
            if (chunk.TotalSize <= 0 || chunk.TotalSize > MaxModelBytes)
            {
                RecommendationsLog.ModelRejected(logger, chunk.Version, $"it announces {chunk.TotalSize} bytes (limit {MaxModelBytes}).");
                _header = null;
                return;
            }

            _header = chunk;
            _buffer = new byte[chunk.TotalSize];
            _received = 0;
        }

        if (_header is null || _buffer is null || chunk.Sha256 != _header.Sha256 || chunk.Offset != _received || chunk.Offset + chunk.Data.Length > _buffer.Length)
        {
            RecommendationsLog.ModelRejected(logger, chunk.Version, "its chunks arrived out of order or overflow the announced size.");
            _header = null;
            _buffer = null;
            return;
        }

        chunk.Data.Span.CopyTo(_buffer.AsSpan((int)chunk.Offset));
        _received += chunk.Data.Length;
        if (_received == _buffer.Length)
        {
            RecommendationsLog.ModelDownloaded(logger, _header.Version, _header.Sha256, _received);
            Keep(_header.Sha256, _buffer);
            _header = null;
            _buffer = null;
        }
    }

    /// <summary>Activates the model <paramref name="activation"/> names, if this edge has its bytes.</summary>
    public ModelActivationResult? Apply(ModelActivation? activation)
    {
        if (activation is null || activation.Sha256.Length == 0)
        {
            return null;
        }

        RecommendationsLog.ModelAnnounced(logger, activation.Version, activation.Sha256);
        var bytes = _complete.GetValueOrDefault(activation.Sha256) ?? ReadFromDisk(activation.Sha256);
        if (bytes is null)
        {
            RecommendationsLog.ModelRejected(logger, activation.Version, "its bytes never arrived.");
            return ModelActivationResult.Invalid;
        }

        return holder.Activate(activation.Version, bytes, activation.Sha256);
    }

    private void Keep(string sha256, byte[] bytes)
    {
        _complete[sha256] = bytes;
        _completeOrder.Enqueue(sha256);
        while (_completeOrder.Count > 2)
        {
            _complete.Remove(_completeOrder.Dequeue());
        }

        if (!IsSafeName(sha256))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(_directory);
            var path = Path.Combine(_directory, sha256 + ".onnx");
            var temporary = path + ".tmp";
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException exception)
        {
            // Memory still holds it; only a restart would need to download it again.
            RecommendationsLog.ModelFileFailed(logger, sha256, exception);
        }
        catch (UnauthorizedAccessException exception)
        {
            RecommendationsLog.ModelFileFailed(logger, sha256, exception);
        }
    }

    private byte[]? ReadFromDisk(string sha256)
    {
        if (!IsSafeName(sha256))
        {
            return null;
        }

        try
        {
            var path = Path.Combine(_directory, sha256 + ".onnx");
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    // The hash names a file: only 64 lowercase hex characters may.
    private static bool IsSafeName(string sha256) => sha256.Length == 64 && sha256.All(static c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
