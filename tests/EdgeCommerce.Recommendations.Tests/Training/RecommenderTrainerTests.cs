using EdgeCommerce.Contracts.Recommendations;
using EdgeCommerce.Recommendations.Data;
using EdgeCommerce.Recommendations.Demo;
using EdgeCommerce.Recommendations.Features;
using EdgeCommerce.Recommendations.Tests.Infrastructure;

namespace EdgeCommerce.Recommendations.Training.Tests;

public sealed class RecommenderTrainerTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void Train_DemoInteractions_BeatsPopularityOnHeldOutNdcg10()
    {
        // Arrange / Act: the fixture trained on the first 80% of the period (by time).
        var metrics = fixture.Trained.Metrics;
        TestContext.Current.SendDiagnosticMessage(metrics.ToString());

        // Assert: ranking each held-out viewer's creator catalog, the model puts the items the
        // viewer went on to engage with higher than a popularity ranking does, on data it never saw.
        Assert.True(metrics.HeldOutGroups > 100, $"only {metrics.HeldOutGroups} held-out groups");
        Assert.True(metrics.Ndcg10 > metrics.PopularityNdcg10 + 0.05, $"model NDCG@10 {metrics.Ndcg10:F3} vs popularity {metrics.PopularityNdcg10:F3}");
        Assert.True(metrics.Auc > metrics.PopularityAuc, $"model AUC {metrics.Auc:F3} vs popularity {metrics.PopularityAuc:F3}");
    }

    [Fact]
    public void Towers_SampleOfPairs_MatchMlNetScores()
    {
        // Arrange: real viewer feature vectors (histories replayed from the data) and every item.
        var trained = fixture.Trained;
        var pairs = SamplePairs(trained, fixture.Interactions, 400);

        // Act
        var expected = RecommenderTrainer.ScoreWithMlNet(trained, pairs);

        // Assert: the tower layout is the same function as ML.NET's field-aware machine.
        for (var i = 0; i < pairs.Count; i++)
        {
            Assert.Equal(expected[i], trained.Weights.Score(pairs[i].Viewer, pairs[i].Item), 1e-4f);
        }
    }

    [Fact]
    public void Train_ColdStartViewer_RanksByLearnedPopularityNotNothing()
    {
        // Arrange: a viewer with no history has only the bias feature.
        var trained = fixture.Trained;
        var space = trained.Space;
        var viewer = new float[space.ViewerDimension];
        space.ViewerFeatures(space.NewHistory(), viewer);
        var creator = "nova-threads";
        var candidates = Enumerable.Range(0, space.Items.Count).Where(i => space.Items[i].CreatorId == creator).ToArray();
        var engaged = fixture.Interactions.Where(i => i.CreatorId == creator && i.Kind >= InteractionKind.Click)
            .GroupBy(static i => i.ProductId).ToDictionary(static g => g.Key, static g => g.Count());

        // Act
        var ranking = candidates.OrderByDescending(i => trained.Weights.Score(viewer, i)).ToArray();

        // Assert: the cold ranking is not flat, and its top 3 are among the creator's 5 most engaged items.
        Assert.NotEqual(trained.Weights.Score(viewer, ranking[0]), trained.Weights.Score(viewer, ranking[^1]));
        var top5 = engaged.OrderByDescending(static p => p.Value).Take(5).Select(static p => p.Key).ToHashSet();
        Assert.All(ranking.Take(3), i => Assert.Contains(space.Items[i].ProductId, top5));
    }

    [Fact]
    public void Train_ViewerWithHistory_PrefersTheCategoriesTheyEngageWith()
    {
        // Arrange: two viewers who only ever clicked tees, or only caps.
        var space = fixture.Trained.Space;
        float[] ViewerOf(string category)
        {
            var history = space.NewHistory();
            for (var i = 0; i < space.Items.Count; i++)
            {
                if (space.Items[i].CreatorId == "nova-threads" && space.Items[i].Category == category)
                {
                    space.Record(history, i, InteractionKind.Click);
                }
            }

            var viewer = new float[space.ViewerDimension];
            space.ViewerFeatures(history, viewer);
            return viewer;
        }

        var tee = space.IndexOf("nova-threads", "nov-tee-01");
        var cap = space.IndexOf("nova-threads", "nov-cap-01");

        // Act
        var teeFan = ViewerOf("tee");
        var capFan = ViewerOf("cap");
        var w = fixture.Trained.Weights;

        // Assert: personal: the tee lover's tee-minus-cap margin is larger than the cap lover's.
        Assert.True(w.Score(teeFan, tee) - w.Score(teeFan, cap) > w.Score(capFan, tee) - w.Score(capFan, cap));
    }

    [Fact]
    public void Generate_SameSeed_SameInteractions()
    {
        var options = new DemoInteractionOptions { Viewers = 50 };
        Assert.Equal(DemoInteractionGenerator.Generate(TestCatalog.Items, options), DemoInteractionGenerator.Generate(TestCatalog.Items, options));
    }

    internal static List<(float[] Viewer, int Item)> SamplePairs(TrainedRecommender trained, IReadOnlyList<Interaction> interactions, int count)
    {
        var space = trained.Space;
        var random = new Random(3);
        var histories = new Dictionary<string, ViewerHistory>(StringComparer.Ordinal);
        var pairs = new List<(float[], int)>();
        foreach (var interaction in interactions)
        {
            if (!histories.TryGetValue(interaction.ViewerId, out var history))
            {
                history = space.NewHistory();
                histories[interaction.ViewerId] = history;
            }

            if (random.Next(interactions.Count / count) == 0 && pairs.Count < count)
            {
                var viewer = new float[space.ViewerDimension];
                space.ViewerFeatures(history, viewer);
                pairs.Add((viewer, random.Next(space.Items.Count)));
            }

            space.Record(history, space.IndexOf(interaction.CreatorId, interaction.ProductId), interaction.Kind);
        }

        return pairs;
    }
}
