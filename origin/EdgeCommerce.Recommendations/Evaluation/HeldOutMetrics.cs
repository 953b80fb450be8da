namespace EdgeCommerce.Recommendations.Evaluation;

/// <summary>Ranking metrics over held-out data.</summary>
public static class HeldOutMetrics
{
    /// <summary>NDCG@k with binary relevance: DCG of the ranking's first k over the ideal DCG.</summary>
    public static double NdcgAt(IReadOnlyList<int> ranking, IReadOnlySet<int> relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        ArgumentNullException.ThrowIfNull(relevant);
        if (relevant.Count == 0)
        {
            return 0;
        }

        double dcg = 0, ideal = 0;
        for (var i = 0; i < Math.Min(k, ranking.Count); i++)
        {
            if (relevant.Contains(ranking[i]))
            {
                dcg += 1.0 / Math.Log2(i + 2);
            }
        }

        for (var i = 0; i < Math.Min(k, relevant.Count); i++)
        {
            ideal += 1.0 / Math.Log2(i + 2);
        }

        return dcg / ideal;
    }

    /// <summary>ROC AUC (Mann-Whitney, ties count half).</summary>
    public static double Auc(IReadOnlyList<float> scores, IReadOnlyList<bool> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double positives = labels.Count(static l => l), negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            return 0.5;
        }

        double rankSum = 0;
        var r = 0;
        while (r < order.Length)
        {
            var end = r;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[r]])
            {
                end++;
            }

            var averageRank = ((r + end) / 2.0) + 1;
            for (var i = r; i <= end; i++)
            {
                if (labels[order[i]])
                {
                    rankSum += averageRank;
                }
            }

            r = end + 1;
        }

        return (rankSum - (positives * (positives + 1) / 2)) / (positives * negatives);
    }
}
