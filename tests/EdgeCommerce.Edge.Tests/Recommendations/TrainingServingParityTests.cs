using EdgeCommerce.Edge.Tests.Infrastructure;
using EdgeCommerce.Recommendations.Demo;
using EdgeCommerce.Recommendations.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Recommendations.Tests;

/// <summary>
/// Training/serving skew: the same viewers' interactions go through the origin's training pipeline
/// (<c>FeatureSpace</c>, scored by the trained ML.NET model itself) and through the edge's serving
/// path (<see cref="ViewerHistoryCache"/> → <see cref="Recommender"/> over the exported ONNX model),
/// and both must give the same viewer features and the same ranking. Would catch a feature layout,
/// weight or normalization changed on one side only, an item table that maps a key to another row,
/// or inputs bound under the wrong names.
/// </summary>
public sealed class TrainingServingParityTests : IAsyncLifetime
{
    // The ONNX graph and ML.NET agree within 1e-4 (TwoTowerOnnxWriterTests): two products whose
    // training scores are closer than that may be served in either order.
    private const float ExportTolerance = 1e-4f;

    private readonly EdgeApiFixture _edge = new(keepSyncWorker: false);

    public async ValueTask InitializeAsync()
    {
        await _edge.InitializeAsync();
        var snapshot = CatalogData.Snapshot(1, RecommenderModels.Catalog(RecommenderModels.CreatorA), RecommenderModels.Catalog(RecommenderModels.CreatorB));
        await _edge.Updater.ApplySnapshotAsync(snapshot, "cluster-test", TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _edge.DisposeAsync();

    [Fact]
    public void SameViewers_TrainingAndServing_SameFeaturesAndSameRanking()
    {
        // Arrange: a real model as the origin trains and exports it, active on the edge; viewers the
        // model never saw (another seed), each history short enough to fit the edge's window.
        var trained = RecommenderModels.V1;
        var space = trained.Space;
        var models = _edge.Services.GetRequiredService<ModelHolder>();
        models.Activate(trained.Version, trained.Onnx, trained.Sha256);
        var histories = _edge.Services.GetRequiredService<ViewerHistoryCache>();
        var recommender = _edge.Services.GetRequiredService<Recommender>();
        var window = _edge.Services.GetRequiredService<IOptions<RecommendationsOptions>>().Value.HistoryPerViewer;
        var viewers = DemoInteractionGenerator.Generate(RecommenderModels.Items(), new DemoInteractionOptions { Viewers = 40, Seed = 99 })
            .GroupBy(static i => i.ViewerId)
            .Where(g => g.Count() <= window)
            .Take(12)
            .Select(static g => (Id: g.Key, Interactions: g.ToList()))
            .Append(("cold-viewer", []))
            .ToList();
        Assert.True(viewers.Count(static v => v.Interactions.Count > 0) >= 8, "too few viewers with a history to compare");

        var compared = 0;
        foreach (var (viewerId, interactions) in viewers)
        {
            // Training side.
            var history = space.NewHistory();
            foreach (var interaction in interactions)
            {
                space.Record(history, space.IndexOf(interaction.CreatorId, interaction.ProductId), interaction.Kind);
            }

            var trainingFeatures = new float[space.ViewerDimension];
            space.ViewerFeatures(history, trainingFeatures);

            // Serving side: the events the edge would have recorded.
            foreach (var interaction in interactions)
            {
                histories.Record(viewerId, interaction.CreatorId + "/" + interaction.ProductId, interaction.Kind);
            }

            using (var lease = models.Acquire())
            {
                var servingFeatures = new float[lease.Model!.Description.ViewerDimension];
                histories.Features(viewerId, lease.Model.Description, servingFeatures);
                Assert.Equal(trainingFeatures, servingFeatures);
            }

            foreach (var creator in new[] { RecommenderModels.CreatorA, RecommenderModels.CreatorB })
            {
                var candidates = Enumerable.Range(0, space.Items.Count).Where(i => space.Items[i].CreatorId == creator).ToList();
                var trainingScores = RecommenderTrainer.ScoreWithMlNet(trained, [.. candidates.Select(i => (trainingFeatures, i))]);
                var trainingScoreOf = candidates.Select((item, i) => (space.Items[item].ProductId, Score: trainingScores[i])).ToDictionary(static p => p.ProductId, static p => p.Score, StringComparer.Ordinal);
                var trainingRanking = trainingScoreOf.OrderByDescending(static p => p.Value).Select(static p => p.Key).ToList();

                var served = recommender.Recommend(creator, viewerId, candidates.Count)!;

                Assert.Equal(RecommendationSource.Model, served.Source);
                var servedRanking = served.Items.Select(static i => i.ProductId).ToList();
                Assert.Equal(trainingRanking.Order(StringComparer.Ordinal), servedRanking.Order(StringComparer.Ordinal));
                for (var i = 1; i < servedRanking.Count; i++)
                {
                    Assert.True(
                        trainingScoreOf[servedRanking[i - 1]] >= trainingScoreOf[servedRanking[i]] - ExportTolerance,
                        $"{viewerId} at {creator}: served {string.Join(", ", servedRanking)}; training ranks {string.Join(", ", trainingRanking)}");
                }

                compared++;
            }
        }

        Assert.Equal(viewers.Count * 2, compared);
    }
}
