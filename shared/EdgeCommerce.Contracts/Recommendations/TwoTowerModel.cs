namespace EdgeCommerce.Contracts.Recommendations;

/// <summary>
/// The recommender model file as the origin writes it and every edge runs it: an ONNX graph with
/// inputs <see cref="ViewerInput"/> float <c>[1, Dv]</c> and <see cref="ItemsInput"/> int64 <c>[N]</c>
/// (rows of the item table) and output <see cref="ScoresOutput"/> float <c>[N]</c> (logits), and a
/// <see cref="ModelMetadata"/> JSON under <see cref="MetadataKey"/> in its <c>metadata_props</c>.
/// Written here once so training and serving cannot name them differently.
/// </summary>
public static class TwoTowerModel
{
    public const string MetadataKey = "edgecommerce.recommender";
    public const string Format = "two-tower-v1";
    public const string ViewerInput = "viewer";
    public const string ItemsInput = "items";
    public const string ScoresOutput = "scores";
}
