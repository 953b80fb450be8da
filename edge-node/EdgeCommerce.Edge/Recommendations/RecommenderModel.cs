using System.Collections.Concurrent;
using System.Numerics;
using EdgeCommerce.Contracts.Recommendations;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>
/// One model version: one <see cref="InferenceSession"/> shared by every request (<c>Run</c> is
/// thread-safe, microsoft/onnxruntime#114), intra-op threads 1 (requests are the parallelism; a
/// pool of threads per call would fight the web server for 2 cores), and pooled scoring contexts
/// whose buffers are bound to the session once (IOBinding over pinned arrays), so an inference
/// allocates nothing. Reference-counted: the holder owns one reference, each request leases one,
/// and the session is disposed when the last goes, so a swap never pulls a session from under a
/// running call.
/// </summary>
internal sealed class RecommenderModel : IDisposable
{
    private const string ViewerInput = TwoTowerModel.ViewerInput;
    private const string ItemsInput = TwoTowerModel.ItemsInput;
    private const string ScoresOutput = TwoTowerModel.ScoresOutput;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly ConcurrentQueue<ScoringContext> _contexts = new();
    private int _references = 1;

    private RecommenderModel(InferenceSession session, ModelDescription description, string sha256)
    {
        _session = session;
        Description = description;
        Sha256 = sha256;
    }

    public ModelDescription Description { get; }

    public string Version => Description.Version;

    public string Sha256 { get; }

    /// <summary>Loads and checks a model; throws <see cref="InvalidDataException"/> for anything the edge cannot run.</summary>
    public static RecommenderModel Load(byte[] onnx, string sha256)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        InferenceSession session;
        using (var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL })
        {
            try
            {
                session = new InferenceSession(onnx, options);
            }
            catch (OnnxRuntimeException exception)
            {
                throw new InvalidDataException("ONNX Runtime cannot load the model: " + exception.Message, exception);
            }
        }

        try
        {
            var description = ModelDescription.Parse(session.ModelMetadata.CustomMetadataMap.GetValueOrDefault(TwoTowerModel.MetadataKey));
            if (!session.InputMetadata.TryGetValue(ViewerInput, out var viewer) || viewer.ElementDataType != TensorElementType.Float
                || viewer.Dimensions.Length != 2 || viewer.Dimensions[1] != description.ViewerDimension
                || !session.InputMetadata.TryGetValue(ItemsInput, out var items) || items.ElementDataType != TensorElementType.Int64
                || !session.OutputMetadata.TryGetValue(ScoresOutput, out var scores) || scores.ElementDataType != TensorElementType.Float)
            {
                throw new InvalidDataException("The model's inputs and outputs are not viewer float[1, D], items int64[N] → scores float[N].");
            }

            return new RecommenderModel(session, description, sha256);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Runs the model once per bucket the typical catalog needs, so the first request pays no lazy initialization.</summary>
    public void Warm()
    {
        Span<float> viewer = stackalloc float[Description.ViewerDimension];
        ViewerFeatures.Reset(viewer);
        var rows = new long[Math.Min(Description.ItemCount, 64)];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = i;
        }

        var scores = new float[rows.Length];
        Score(viewer, rows, scores);
        if (!float.IsFinite(scores[0]))
        {
            throw new InvalidDataException("The model's warm-up produced a non-finite score.");
        }
    }

    /// <summary>Scores <paramref name="rows"/> (item-table rows) for one viewer into <paramref name="scores"/>.</summary>
    public void Score(ReadOnlySpan<float> viewer, ReadOnlySpan<long> rows, Span<float> scores)
    {
        if (rows.Length == 0)
        {
            return;
        }

        if (!_contexts.TryDequeue(out var context))
        {
            context = new ScoringContext(_session, Description.ViewerDimension);
        }

        try
        {
            context.Run(_session, _runOptions, viewer, rows, scores);
        }
        finally
        {
            _contexts.Enqueue(context);
        }
    }

    /// <summary>Takes a reference; false once the model is retired and drained.</summary>
    public bool TryAddReference()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Drops a reference; the last one disposes the session and its buffers.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            while (_contexts.TryDequeue(out var context))
            {
                context.Dispose();
            }

            _session.Dispose();
            _runOptions.Dispose();
        }
    }

    /// <summary>True once every reference is gone and the session is disposed (tests).</summary>
    internal bool IsDisposed => Volatile.Read(ref _references) == 0;

    /// <summary>Drops the holder's reference (same as <see cref="Release"/>).</summary>
    public void Dispose() => Release();

    /// <summary>Buffers for one call at a time, bound once per candidate-count bucket (powers of two).</summary>
    private sealed class ScoringContext : IDisposable
    {
        private readonly float[] _viewer;
        private readonly OrtValue _viewerValue;
        private readonly Dictionary<int, Bucket> _buckets = [];

        public ScoringContext(InferenceSession session, int viewerDimension)
        {
            _ = session;
            _viewer = new float[viewerDimension];
            _viewerValue = OrtValue.CreateTensorValueFromMemory(_viewer, [1, viewerDimension]);
        }

        public void Run(InferenceSession session, RunOptions runOptions, ReadOnlySpan<float> viewer, ReadOnlySpan<long> rows, Span<float> scores)
        {
            var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, rows.Length));
            if (!_buckets.TryGetValue(capacity, out var bucket))
            {
                bucket = new Bucket(session, _viewerValue, capacity);
                _buckets[capacity] = bucket;
            }

            viewer.CopyTo(_viewer);
            rows.CopyTo(bucket.Items);
            // Padding repeats the first row; its scores are ignored.
            bucket.Items.AsSpan(rows.Length).Fill(rows[0]);
            session.RunWithBinding(runOptions, bucket.Binding);
            bucket.Scores.AsSpan(0, rows.Length).CopyTo(scores);
        }

        public void Dispose()
        {
            foreach (var bucket in _buckets.Values)
            {
                bucket.Dispose();
            }

            _viewerValue.Dispose();
        }
    }

    private sealed class Bucket : IDisposable
    {
        private readonly OrtValue _itemsValue;
        private readonly OrtValue _scoresValue;

        public Bucket(InferenceSession session, OrtValue viewer, int capacity)
        {
            Items = new long[capacity];
            Scores = new float[capacity];
            _itemsValue = OrtValue.CreateTensorValueFromMemory(Items, [capacity]);
            _scoresValue = OrtValue.CreateTensorValueFromMemory(Scores, [capacity]);
            Binding = session.CreateIoBinding();
            Binding.BindInput(ViewerInput, viewer);
            Binding.BindInput(ItemsInput, _itemsValue);
            Binding.BindOutput(ScoresOutput, _scoresValue);
        }

        public long[] Items { get; }

        public float[] Scores { get; }

        public OrtIoBinding Binding { get; }

        public void Dispose()
        {
            Binding.Dispose();
            _itemsValue.Dispose();
            _scoresValue.Dispose();
        }
    }
}
