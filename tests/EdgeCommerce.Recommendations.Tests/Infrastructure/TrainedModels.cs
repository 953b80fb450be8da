using EdgeCommerce.Recommendations.Demo;
using EdgeCommerce.Recommendations.Training;

namespace EdgeCommerce.Recommendations.Tests.Infrastructure;

/// <summary>One model trained on the default demo interactions, shared by the tests of a class (training takes seconds).</summary>
public sealed class TrainedModelFixture
{
    public TrainedModelFixture()
    {
        Interactions = DemoInteractionGenerator.Generate(TestCatalog.Items);
        Trained = RecommenderTrainer.Train(TestCatalog.Items, Interactions, "fixture-1");
    }

    public IReadOnlyList<Data.Interaction> Interactions { get; }

    public TrainedRecommender Trained { get; }
}
