using System.Numerics.Tensors;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using EdgeCommerce.Contracts.Recommendations;
using EdgeCommerce.Edge.Recommendations;
using EdgeCommerce.Recommendations.Onnx;
using EdgeCommerce.Recommendations.Training;

namespace EdgeCommerce.Benchmarks.Micro;

/// <summary>
/// One inference on the edge: one viewer against N candidates, through the ONNX graph the origin
/// exports (ONNX Runtime, intra-op threads 1, IOBinding over buffers bound once), beside the same
/// arithmetic as a plain C# loop with <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
/// (the baseline: what the hardware does without a runtime). The weights are random with the
/// production shapes (latent 8, 20 categories, 4 price buckets); only N items matter to the cost.
/// </summary>
[MemoryDiagnoser]
public class RecommenderInferenceBenchmarks
{
    private const int Latent = 8;
    private const int ViewerDimension = 1 + 20 + 4;

    private TwoTowerWeights _weights = null!;
    private RecommenderModel _model = null!;
    private float[] _viewer = [];
    private long[] _rows = [];
    private float[] _scores = [];
    private readonly float[] _latent = new float[Latent];

    [Params(500, 5000)]
    public int Candidates { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        float[] Randoms(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * 0.2))];
        var self = Randoms(ViewerDimension * Latent);
        _weights = new TwoTowerWeights
        {
            LatentDimension = Latent,
            ViewerDimension = ViewerDimension,
            ItemCount = Candidates,
            ViewerCross = Randoms(ViewerDimension * Latent),
            ViewerSelf = self,
            ViewerSelfNorms = [.. Enumerable.Range(0, ViewerDimension).Select(j => TensorPrimitives.Dot(self.AsSpan(j * Latent, Latent), self.AsSpan(j * Latent, Latent)))],
            ViewerLinear = Randoms(ViewerDimension),
            ItemEmbedding = Randoms(Candidates * Latent),
            ItemBias = Randoms(Candidates),
        };
        var metadata = new ModelMetadata(TwoTowerModel.Format, "bench", ViewerDimension, [.. Enumerable.Range(0, 20).Select(static c => "c" + c)], 4, [1, 2, 3, 4, 5],
            [.. Enumerable.Range(0, Candidates).Select(static i => new ModelItem("bench/p" + i, i % 20, i % 4))]);
        var onnx = TwoTowerOnnxWriter.Write(_weights, new Dictionary<string, string> { [TwoTowerModel.MetadataKey] = metadata.ToJson() }, 1);
        _model = RecommenderModel.Load(onnx, Convert.ToHexStringLower(SHA256.HashData(onnx)));
        _model.Warm();
        _viewer = Randoms(ViewerDimension);
        _viewer[0] = 1;
        _rows = [.. Enumerable.Range(0, Candidates).Select(static i => (long)i)];
        _scores = new float[Candidates];
        _model.Score(_viewer, _rows, _scores);
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Release();

    [Benchmark(Baseline = true)]
    public float TensorPrimitivesDot()
    {
        var constant = _weights.ViewerTower(_viewer, _latent);
        var embedding = _weights.ItemEmbedding.AsSpan();
        for (var i = 0; i < _rows.Length; i++)
        {
            var row = (int)_rows[i];
            _scores[i] = constant + _weights.ItemBias[row] + TensorPrimitives.Dot(_latent, embedding.Slice(row * Latent, Latent));
        }

        return _scores[^1];
    }

    [Benchmark]
    public float OnnxRuntime()
    {
        _model.Score(_viewer, _rows, _scores);
        return _scores[^1];
    }
}
