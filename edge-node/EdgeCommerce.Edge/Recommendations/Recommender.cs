using System.Buffers;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Sync;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>Where a ranking came from.</summary>
internal enum RecommendationSource
{
    Model,
    Popularity,
}

/// <summary>One recommended product: its in-stock SKUs (checked last, just before answering) and a rounded score.</summary>
internal sealed record RecommendedItem(string ProductId, IReadOnlyList<string> SkuIds, double Score);

internal sealed record RecommendationResult(string CreatorId, long Revision, RecommendationSource Source, string? ModelVersion, IReadOnlyList<RecommendedItem> Items);

/// <summary>
/// Ranks a creator's in-stock products for a viewer. The candidates are read from the replica
/// current when the request arrives and filtered by <see cref="ISkuAvailability"/>; the model
/// (leased for the call) scores them in one inference; the top K are re-checked for stock as the
/// answer is built, so a SKU that sold out meanwhile is left out and the next product takes its
/// place. With no model, or a model that fails, a popularity ranking answers and says so.
/// Scores leave rounded to three decimals; embeddings and logits never leave.
/// </summary>
internal sealed class Recommender(
    ReplicaHolder replicas,
    ModelHolder models,
    ViewerHistoryCache histories,
    PopularityCounter popularity,
    ISkuAvailability availability,
    RecommendationsMetrics metrics,
    ILogger<Recommender> logger,
    TimeProvider time)
{
    /// <summary>Null when the replica has no such creator.</summary>
    public RecommendationResult? Recommend(string creatorId, string viewerId, int k)
    {
        var replica = replicas.Current;
        var catalog = replica.Find(creatorId);
        if (catalog is null)
        {
            return null;
        }

        var products = catalog.Products;
        var candidates = ArrayPool<int>.Shared.Rent(Math.Max(1, products.Count));
        var scores = ArrayPool<float>.Shared.Rent(Math.Max(1, products.Count));
        try
        {
            var count = 0;
            for (var p = 0; p < products.Count; p++)
            {
                if (AnyInStock(creatorId, products[p]))
                {
                    candidates[count++] = p;
                }
            }

            var started = time.GetTimestamp();
            var (source, version) = Score(catalog, viewerId, candidates.AsSpan(0, count), scores.AsSpan(0, count));
            metrics.Inference(source, time.GetElapsedTime(started));
            var items = TopInStock(creatorId, products, candidates.AsSpan(0, count), scores.AsSpan(0, count), k, source);
            return new RecommendationResult(creatorId, catalog.Revision, source, version, items);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(candidates);
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    private (RecommendationSource, string?) Score(CreatorCatalog catalog, string viewerId, ReadOnlySpan<int> candidates, Span<float> scores)
    {
        using var lease = models.Acquire();
        if (lease.Model is { } model && candidates.Length > 0)
        {
            try
            {
                ScoreWithModel(model, catalog, viewerId, candidates, scores);
                return (RecommendationSource.Model, model.Version);
            }
            catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException exception)
            {
                // The hot path degrades instead of throwing.
                RecommendationsLog.InferenceFailed(logger, model.Version, exception);
            }
        }

        ScoreByPopularity(catalog, candidates, scores);
        return (RecommendationSource.Popularity, null);
    }

    private void ScoreWithModel(RecommenderModel model, CreatorCatalog catalog, string viewerId, ReadOnlySpan<int> candidates, Span<float> scores)
    {
        var description = model.Description;
        Span<float> viewer = stackalloc float[description.ViewerDimension];
        histories.Features(viewerId, description, viewer);

        var rows = ArrayPool<long>.Shared.Rent(candidates.Length);
        var known = ArrayPool<int>.Shared.Rent(candidates.Length);
        var knownScores = ArrayPool<float>.Shared.Rent(candidates.Length);
        var lookup = description.Rows.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> key = stackalloc char[256];
        try
        {
            var knownCount = 0;
            for (var i = 0; i < candidates.Length; i++)
            {
                var productId = catalog.Products[candidates[i]].Id;
                var length = catalog.CreatorId.Length + 1 + productId.Length;
                var row = -1;
                if (length <= key.Length)
                {
                    catalog.CreatorId.AsSpan().CopyTo(key);
                    key[catalog.CreatorId.Length] = '/';
                    productId.AsSpan().CopyTo(key[(catalog.CreatorId.Length + 1)..]);
                    row = lookup.TryGetValue(key[..length], out var found) ? found : -1;
                }

                // A product newer than the model has no row: it ranks after every scored product.
                scores[i] = float.NegativeInfinity;
                if (row >= 0)
                {
                    rows[knownCount] = row;
                    known[knownCount++] = i;
                }
            }

            model.Score(viewer, rows.AsSpan(0, knownCount), knownScores.AsSpan(0, knownCount));
            for (var i = 0; i < knownCount; i++)
            {
                scores[known[i]] = 1f / (1f + MathF.Exp(-knownScores[i]));
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(rows);
            ArrayPool<int>.Shared.Return(known);
            ArrayPool<float>.Shared.Return(knownScores);
        }
    }

    private void ScoreByPopularity(CreatorCatalog catalog, ReadOnlySpan<int> candidates, Span<float> scores)
    {
        var max = 1L;
        for (var i = 0; i < candidates.Length; i++)
        {
            var count = popularity.CountOf(catalog.CreatorId + "/" + catalog.Products[candidates[i]].Id);
            scores[i] = count;
            max = Math.Max(max, count);
        }

        for (var i = 0; i < candidates.Length; i++)
        {
            scores[i] /= max;
        }
    }

    private List<RecommendedItem> TopInStock(string creatorId, Google.Protobuf.Collections.RepeatedField<Product> products, ReadOnlySpan<int> candidates, Span<float> scores, int k, RecommendationSource source)
    {
        var items = new List<RecommendedItem>(Math.Min(k, candidates.Length));
        while (items.Count < k)
        {
            // Best remaining: highest score, then catalog order (stable, deterministic).
            var best = -1;
            for (var i = 0; i < candidates.Length; i++)
            {
                if (!float.IsNaN(scores[i]) && (best < 0 || scores[i] > scores[best]))
                {
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            var score = scores[best];
            scores[best] = float.NaN;
            var product = products[candidates[best]];
            var skus = new List<string>(product.Skus.Count);
            foreach (var sku in product.Skus)
            {
                // Checked again now: anything that sold out since the candidates were read is left out.
                if (availability.IsInStock(creatorId, sku.Id))
                {
                    skus.Add(sku.Id);
                }
            }

            if (skus.Count > 0)
            {
                var rounded = float.IsFinite(score) ? Math.Round(score, 3, MidpointRounding.AwayFromZero) : 0;
                items.Add(new RecommendedItem(product.Id, skus, source == RecommendationSource.Model || rounded > 0 ? rounded : 0));
            }
        }

        return items;
    }

    private bool AnyInStock(string creatorId, Product product)
    {
        foreach (var sku in product.Skus)
        {
            if (availability.IsInStock(creatorId, sku.Id))
            {
                return true;
            }
        }

        return false;
    }
}
