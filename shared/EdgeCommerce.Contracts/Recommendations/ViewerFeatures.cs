namespace EdgeCommerce.Contracts.Recommendations;

/// <summary>
/// The viewer tower's input, computed the same way at training and at serving:
/// <c>[1 (bias), category shares (C), price-bucket shares (P)]</c>, each share the viewer's
/// interactions with that category or bucket weighted by <see cref="ModelMetadata.KindWeights"/>
/// over the total weight. A viewer with no (known) history is <c>[1, 0…]</c>: a cold-start viewer
/// still gets the model's learned popularity. No viewer id is a feature.
/// </summary>
public static class ViewerFeatures
{
    public static int Dimension(int categories, int priceBuckets) => 1 + categories + priceBuckets;

    /// <summary>Sets <paramref name="features"/> to the cold-start vector, the start of an accumulation.</summary>
    public static void Reset(Span<float> features)
    {
        features.Clear();
        features[0] = 1f;
    }

    /// <summary>Adds one interaction's <paramref name="weight"/> to the (not yet normalized) shares.</summary>
    public static void Add(Span<float> features, int categories, int category, int priceBucket, float weight)
    {
        features[1 + category] += weight;
        features[1 + categories + priceBucket] += weight;
    }

    /// <summary>Turns accumulated weights into shares of <paramref name="totalWeight"/>; the bias stays 1.</summary>
    public static void Normalize(Span<float> features, float totalWeight)
    {
        if (totalWeight <= 0)
        {
            return;
        }

        for (var j = 1; j < features.Length; j++)
        {
            features[j] /= totalWeight;
        }
    }
}
