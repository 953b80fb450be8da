using System.Security.Cryptography;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>What became of a model offered to <see cref="ModelHolder.Activate"/>.</summary>
internal enum ModelActivationResult
{
    Activated,
    AlreadyActive,
    HashMismatch,
    Invalid,
}

/// <summary>
/// The current recommender model, swapped atomically like the replica. A request leases the model
/// (<see cref="Acquire"/>) for the duration of its inference; <see cref="Activate"/> verifies the
/// bytes' SHA-256, loads a new session, checks and warms it, swaps it in, then drops the holder's
/// reference on the old one, which is disposed when its last lease ends. A model that fails any
/// step is refused with the reason logged and the previous model keeps serving.
/// </summary>
internal sealed class ModelHolder(ILogger<ModelHolder> logger) : IDisposable
{
    private readonly Lock _activateGate = new();
    private volatile RecommenderModel? _current;

    /// <summary>The active model's version, or null while popularity answers.</summary>
    public string? CurrentVersion => _current?.Version;

    internal RecommenderModel? Current => _current;

    /// <summary>A lease on the current model (empty when there is none). Dispose it when the inference is done.</summary>
    public ModelLease Acquire()
    {
        while (true)
        {
            var model = _current;
            if (model is null)
            {
                return default;
            }

            if (model.TryAddReference())
            {
                return new ModelLease(model);
            }

            // Retired and drained between the read and the lease: the next read sees its successor.
        }
    }

    /// <summary>Verifies, loads, warms and swaps in a model. Never throws for a bad model.</summary>
    public ModelActivationResult Activate(string version, byte[] onnx, string sha256)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(sha256);
        var actual = Convert.ToHexStringLower(SHA256.HashData(onnx));
        if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
        {
            RecommendationsLog.ModelRejected(logger, version, $"the bytes hash to {actual}, not the announced {sha256.ToLowerInvariant()}.");
            return ModelActivationResult.HashMismatch;
        }

        lock (_activateGate)
        {
            if (_current is { } active && active.Sha256 == actual && active.Version == version)
            {
                return ModelActivationResult.AlreadyActive;
            }

            RecommenderModel next;
            try
            {
                next = RecommenderModel.Load(onnx, actual);
            }
            catch (InvalidDataException exception)
            {
                RecommendationsLog.ModelRejected(logger, version, exception.Message);
                return ModelActivationResult.Invalid;
            }

            try
            {
                if (next.Version != version)
                {
                    throw new InvalidDataException($"the model says it is version '{next.Version}'.");
                }

                next.Warm();
            }
            catch (Exception exception) when (exception is InvalidDataException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                next.Release();
                RecommendationsLog.ModelRejected(logger, version, exception.Message);
                return ModelActivationResult.Invalid;
            }

            var previous = Interlocked.Exchange(ref _current, next);
            RecommendationsLog.ModelActivated(logger, next.Version, actual, next.Description.ItemCount);
            if (previous is not null)
            {
                RecommendationsLog.ModelRetired(logger, previous.Version);
                previous.Release();
            }

            return ModelActivationResult.Activated;
        }
    }

    public void Dispose()
    {
        lock (_activateGate)
        {
            Interlocked.Exchange(ref _current, null)?.Release();
        }
    }
}

/// <summary>A reference on one model version for one inference.</summary>
internal readonly struct ModelLease(RecommenderModel? model) : IDisposable
{
    public RecommenderModel? Model { get; } = model;

    public void Dispose() => Model?.Release();
}
