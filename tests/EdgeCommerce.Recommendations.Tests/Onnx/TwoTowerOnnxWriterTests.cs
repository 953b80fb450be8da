using EdgeCommerce.Contracts.Recommendations;
using EdgeCommerce.Recommendations.Tests.Infrastructure;
using EdgeCommerce.Recommendations.Training;
using EdgeCommerce.Recommendations.Training.Tests;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeCommerce.Recommendations.Onnx.Tests;

public sealed class TwoTowerOnnxWriterTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void Write_OnnxRuntimeScores_MatchTrainedMlNetModelWithin1e4()
    {
        // Arrange: the exported bytes, loaded by the runtime the edges use; a sample of real pairs.
        var trained = fixture.Trained;
        var pairs = RecommenderTrainerTests.SamplePairs(trained, fixture.Interactions, 300);
        var expected = RecommenderTrainer.ScoreWithMlNet(trained, pairs);
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(trained.Onnx, options);

        // Act / Assert: every pair, one candidate at a time, through the ONNX graph.
        for (var i = 0; i < pairs.Count; i++)
        {
            var viewer = new DenseTensor<float>(pairs[i].Viewer, [1, trained.Space.ViewerDimension]);
            var items = new DenseTensor<long>(new long[] { pairs[i].Item }, [1]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(TwoTowerModel.ViewerInput, viewer), NamedOnnxValue.CreateFromTensor(TwoTowerModel.ItemsInput, items)]);
            Assert.Equal(expected[i], results[0].AsEnumerable<float>().Single(), 1e-4f);
        }
    }

    [Fact]
    public void Write_ManyCandidates_ScoresEveryCandidateInOrder()
    {
        // Arrange: one viewer, all items at once (the edge's shape), in a shuffled order.
        var trained = fixture.Trained;
        var viewer = RecommenderTrainerTests.SamplePairs(trained, fixture.Interactions, 50)[^1].Viewer;
        var items = Enumerable.Range(0, trained.Space.Items.Count).Select(static i => (long)i).Reverse().ToArray();
        using var session = new InferenceSession(trained.Onnx);

        // Act
        using var results = session.Run([
            NamedOnnxValue.CreateFromTensor(TwoTowerModel.ViewerInput, new DenseTensor<float>(viewer, [1, viewer.Length])),
            NamedOnnxValue.CreateFromTensor(TwoTowerModel.ItemsInput, new DenseTensor<long>(items, [items.Length]))]);
        var scores = results[0].AsEnumerable<float>().ToArray();

        // Assert
        Assert.Equal(items.Length, scores.Length);
        for (var i = 0; i < items.Length; i++)
        {
            Assert.Equal(trained.Weights.Score(viewer, (int)items[i]), scores[i], 1e-4f);
        }
    }

    [Fact]
    public void Write_Metadata_CarriesItemTableAndVersion()
    {
        using var session = new InferenceSession(fixture.Trained.Onnx);
        var json = session.ModelMetadata.CustomMetadataMap[TwoTowerModel.MetadataKey];
        Assert.Contains("\"version\":\"fixture-1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"key\":\"nova-threads/nov-hoodie-01\"", json, StringComparison.Ordinal);
    }
}
