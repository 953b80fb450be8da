using System.Diagnostics;
using System.Security.Cryptography;
using EdgeCommerce.Contracts.Recommendations;
using EdgeCommerce.Recommendations.Data;
using EdgeCommerce.Recommendations.Evaluation;
using EdgeCommerce.Recommendations.Features;
using EdgeCommerce.Recommendations.Onnx;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace EdgeCommerce.Recommendations.Training;

/// <summary>Training settings.</summary>
public sealed record TrainingOptions
{
    /// <summary>Latent dimension of the towers. The default is 8.</summary>
    public int LatentDimension { get; init; } = 8;

    /// <summary>Passes over the training data. The default is 20.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>SGD learning rate. The default is 0.1.</summary>
    public float LearningRate { get; init; } = 0.1f;

    /// <summary>Sampled negatives per positive (other items of the same creator). The default is 3.</summary>
    public int NegativesPerPositive { get; init; } = 3;

    /// <summary>The newest fraction of interactions (by time) held out for evaluation. The default is 0.2.</summary>
    public double HoldoutFraction { get; init; } = 0.2;

    /// <summary>Seed for ML.NET and negative sampling. The default is 1.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>Held-out metrics recorded beside a model.</summary>
/// <param name="Auc">ROC AUC of the model on held-out positives against sampled negatives.</param>
/// <param name="Ndcg10">Mean NDCG@10 of the model, ranking each held-out (viewer, creator)'s catalog.</param>
/// <param name="PopularityNdcg10">The same for a popularity ranking from the training period (the baseline).</param>
/// <param name="PopularityAuc">ROC AUC of the popularity ranking on the same pairs.</param>
public sealed record RecommenderMetrics(
    double Auc,
    double Ndcg10,
    double PopularityNdcg10,
    double PopularityAuc,
    double ColdStartNdcg10,
    int TrainingExamples,
    int HeldOutGroups,
    int ColdStartGroups,
    double TrainingSeconds);

/// <summary>A trained model: the ONNX bytes the edges run, their SHA-256 (lowercase hex), and metrics.</summary>
public sealed record TrainedRecommender(string Version, byte[] Onnx, string Sha256, RecommenderMetrics Metrics, TwoTowerWeights Weights, FeatureSpace Space, ITransformer MlNetModel, MLContext MlContext);

/// <summary>
/// Trains the recommender with ML.NET's field-aware factorization machine over two fields (viewer
/// features, item features), evaluates it on the newest interactions (a split by time, never a
/// random split, so no future leaks into training), and lays the weights out as an ONNX two-tower
/// graph. Viewer features always come from history strictly before the moment they describe.
/// </summary>
public static class RecommenderTrainer
{
    public static TrainedRecommender Train(IReadOnlyList<CatalogItem> items, IReadOnlyList<Interaction> interactions, string version, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(interactions);
        ArgumentException.ThrowIfNullOrEmpty(version);
        options ??= new TrainingOptions();
        var started = Stopwatch.GetTimestamp();
        var space = new FeatureSpace(items);
        if (space.Items.Count == 0)
        {
            throw new InvalidOperationException("There are no catalog items to train on.");
        }

        var data = BuildExamples(space, interactions, options);
        if (data.Train.Count == 0)
        {
            throw new InvalidOperationException("There are no interactions (click or stronger) before the held-out period to train on.");
        }

        var ml = new MLContext(options.Seed);
        var schema = SchemaDefinition.Create(typeof(Example));
        schema[nameof(Example.Viewer)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, space.ViewerDimension);
        schema[nameof(Example.Item)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, space.ItemDimension);
        var trainView = ml.Data.LoadFromEnumerable(data.Train, schema);
        var trainer = ml.BinaryClassification.Trainers.FieldAwareFactorizationMachine(new FieldAwareFactorizationMachineTrainer.Options
        {
            FeatureColumnName = nameof(Example.Viewer),
            ExtraFeatureColumns = [nameof(Example.Item)],
            LabelColumnName = nameof(Example.Label),
            LatentDimension = options.LatentDimension,
            NumberOfIterations = options.Iterations,
            LearningRate = options.LearningRate,
            // Per-example normalization would make the score depend on the whole feature vector's
            // norm, which the two-tower layout cannot reproduce: off.
            NormalizeFeatures = false,
            Shuffle = true,
        });
        var model = trainer.Fit(trainView);
        var parameters = model.Model;
        var weights = TwoTowerWeights.FromFieldAwareMachine(
            parameters.GetLinearWeights(),
            parameters.GetLatentWeights(),
            parameters.LatentDimension,
            space.ViewerDimension,
            space.Items.Count,
            i => [i, space.Items.Count + space.ItemCategory[i], space.Items.Count + space.Categories.Count + space.ItemPriceBucket[i]]);

        var metrics = Evaluate(space, weights, data, Stopwatch.GetElapsedTime(started).TotalSeconds);
        var metadata = new ModelMetadata(
            TwoTowerModel.Format,
            version,
            space.ViewerDimension,
            space.Categories,
            FeatureSpace.PriceBuckets,
            FeatureSpace.KindWeights,
            [.. space.Items.Select((item, i) => new ModelItem(item.Key, space.ItemCategory[i], space.ItemPriceBucket[i]))]);
        var onnx = TwoTowerOnnxWriter.Write(weights, new Dictionary<string, string>(StringComparer.Ordinal) { [TwoTowerModel.MetadataKey] = metadata.ToJson() }, modelVersion: 1);
        return new TrainedRecommender(version, onnx, Convert.ToHexStringLower(SHA256.HashData(onnx)), metrics, weights, space, model, ml);
    }

    /// <summary>Scores examples with the trained ML.NET model itself (for checking the export).</summary>
    public static float[] ScoreWithMlNet(TrainedRecommender trained, IReadOnlyList<(float[] Viewer, int Item)> pairs)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(pairs);
        var space = trained.Space;
        var examples = pairs.Select(p =>
        {
            var item = new float[space.ItemDimension];
            space.ItemFeatures(p.Item, item);
            return new Example { Viewer = p.Viewer, Item = item };
        }).ToList();
        var schema = SchemaDefinition.Create(typeof(Example));
        schema[nameof(Example.Viewer)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, space.ViewerDimension);
        schema[nameof(Example.Item)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, space.ItemDimension);
        var scored = trained.MlNetModel.Transform(trained.MlContext.Data.LoadFromEnumerable(examples, schema));
        return [.. scored.GetColumn<float>("Score")];
    }

    private static RecommenderMetrics Evaluate(FeatureSpace space, TwoTowerWeights weights, ExampleSet data, double seconds)
    {
        var modelScores = data.Test.Select(e => weights.Score(e.Viewer, e.ItemIndex)).ToArray();
        var popularityScores = data.Test.Select(e => (float)data.Popularity[e.ItemIndex]).ToArray();
        var labels = data.Test.Select(static e => e.Label).ToArray();

        double ndcg = 0, popularityNdcg = 0, coldNdcg = 0;
        var cold = 0;
        var scores = new float[space.Items.Count];
        foreach (var group in data.Groups)
        {
            foreach (var item in group.Candidates)
            {
                scores[item] = weights.Score(group.Viewer, item);
            }

            var modelRanking = group.Candidates.OrderByDescending(i => scores[i]).ThenBy(static i => i).ToArray();
            var popularityRanking = group.Candidates.OrderByDescending(i => data.Popularity[i]).ThenBy(static i => i).ToArray();
            var gain = HeldOutMetrics.NdcgAt(modelRanking, group.Relevant, 10);
            ndcg += gain;
            popularityNdcg += HeldOutMetrics.NdcgAt(popularityRanking, group.Relevant, 10);
            if (group.Cold)
            {
                cold++;
                coldNdcg += gain;
            }
        }

        var groups = Math.Max(1, data.Groups.Count);
        return new RecommenderMetrics(
            HeldOutMetrics.Auc(modelScores, labels),
            ndcg / groups,
            popularityNdcg / groups,
            HeldOutMetrics.Auc(popularityScores, labels),
            cold == 0 ? 0 : coldNdcg / cold,
            data.Train.Count,
            data.Groups.Count,
            cold,
            seconds);
    }

    private static ExampleSet BuildExamples(FeatureSpace space, IReadOnlyList<Interaction> interactions, TrainingOptions options)
    {
        var random = new Random(options.Seed);
        var ordered = interactions.Where(i => space.IndexOf(i.CreatorId, i.ProductId) >= 0).OrderBy(static i => i.At).ToList();
        var set = new ExampleSet(new double[space.Items.Count]);
        if (ordered.Count == 0)
        {
            return set;
        }

        var cutoff = ordered[(int)Math.Clamp(ordered.Count * (1 - options.HoldoutFraction), 0, ordered.Count - 1)].At;
        var itemsOf = space.Items.Select(static (item, index) => (item, index)).GroupBy(static p => p.item.CreatorId, StringComparer.Ordinal)
            .ToDictionary(static g => g.Key, static g => g.Select(static p => p.index).ToArray(), StringComparer.Ordinal);
        var histories = new Dictionary<string, ViewerHistory>(StringComparer.Ordinal);
        var relevant = new Dictionary<(string Viewer, string Creator), HashSet<int>>();
        foreach (var interaction in ordered)
        {
            var item = space.IndexOf(interaction.CreatorId, interaction.ProductId);
            if (!histories.TryGetValue(interaction.ViewerId, out var history))
            {
                history = space.NewHistory();
                histories[interaction.ViewerId] = history;
            }

            if (interaction.At >= cutoff)
            {
                // Held out: the history stays as it was at the cutoff.
                if (interaction.Kind >= InteractionKind.Click)
                {
                    var key = (interaction.ViewerId, interaction.CreatorId);
                    if (!relevant.TryGetValue(key, out var set2))
                    {
                        set2 = [];
                        relevant[key] = set2;
                    }

                    set2.Add(item);
                }

                continue;
            }

            if (interaction.Kind >= InteractionKind.Click)
            {
                set.Popularity[item] += 1;
                var viewer = new float[space.ViewerDimension];
                space.ViewerFeatures(history, viewer);
                set.Train.Add(ExampleFor(space, viewer, item, true));
                var candidates = itemsOf[interaction.CreatorId];
                for (var n = 0; n < options.NegativesPerPositive && candidates.Length > 1; n++)
                {
                    var other = candidates[random.Next(candidates.Length)];
                    if (other != item)
                    {
                        set.Train.Add(ExampleFor(space, viewer, other, false));
                    }
                }
            }

            space.Record(history, item, interaction.Kind);
        }

        foreach (var ((viewerId, creatorId), items) in relevant.OrderBy(static p => p.Key.Viewer, StringComparer.Ordinal).ThenBy(static p => p.Key.Creator, StringComparer.Ordinal))
        {
            var history = histories[viewerId];
            var viewer = new float[space.ViewerDimension];
            space.ViewerFeatures(history, viewer);
            var candidates = itemsOf[creatorId];
            set.Groups.Add(new HeldOutGroup(viewer, candidates, items, history.TotalWeight <= 0));
            foreach (var item in items)
            {
                set.Test.Add(new LabeledPair(viewer, item, true));
            }

            var negatives = candidates.Where(c => !items.Contains(c)).ToArray();
            for (var n = 0; n < items.Count * options.NegativesPerPositive && negatives.Length > 0; n++)
            {
                set.Test.Add(new LabeledPair(viewer, negatives[random.Next(negatives.Length)], false));
            }
        }

        return set;
    }

    private static Example ExampleFor(FeatureSpace space, float[] viewer, int item, bool label)
    {
        var features = new float[space.ItemDimension];
        space.ItemFeatures(item, features);
        return new Example { Viewer = viewer, Item = features, Label = label };
    }

    private sealed record LabeledPair(float[] Viewer, int ItemIndex, bool Label);

    private sealed record HeldOutGroup(float[] Viewer, int[] Candidates, HashSet<int> Relevant, bool Cold);

    private sealed record ExampleSet(double[] Popularity)
    {
        public List<Example> Train { get; } = [];

        public List<LabeledPair> Test { get; } = [];

        public List<HeldOutGroup> Groups { get; } = [];
    }
}

/// <summary>One ML.NET training row (public: ML.NET builds its reader by reflection).</summary>
public sealed class Example
{
    public float[] Viewer { get; set; } = [];

    public float[] Item { get; set; } = [];

    public bool Label { get; set; }
}
