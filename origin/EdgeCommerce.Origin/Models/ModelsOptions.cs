using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Origin.Models;

/// <summary>Recommender training and interaction retention (<c>Models:*</c>).</summary>
internal sealed class ModelsOptions
{
    public const string SectionName = "Models";

    /// <summary>How long viewer interactions are kept before they are deleted. The default is 90 days.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan InteractionRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often expired interactions are deleted. The default is 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most interactions one training reads (newest kept). The default is 2,000,000.</summary>
    [Range(1000, 100_000_000)]
    public int MaxTrainingInteractions { get; set; } = 2_000_000;

    /// <summary>Passes of the factorization machine over the data. The default is 20.</summary>
    [Range(1, 200)]
    public int TrainingIterations { get; set; } = 20;

    /// <summary>Viewers in a generated demo history (<c>demo: true</c> training). The default is 400.</summary>
    [Range(10, 100_000)]
    public int DemoViewers { get; set; } = 400;
}
