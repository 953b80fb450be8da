using System.Globalization;
using EdgeCommerce.Contracts.Recommendations;
using EdgeCommerce.Recommendations.Data;

namespace EdgeCommerce.Recommendations.Demo;

/// <summary>How much synthetic history to generate.</summary>
public sealed record DemoInteractionOptions
{
    /// <summary>Number of viewers. The default is 1,500.</summary>
    public int Viewers { get; init; } = 1500;

    /// <summary>Days of history, ending at <see cref="End"/>. The default is 28 days.</summary>
    public int Days { get; init; } = 28;

    /// <summary>Mean sessions per viewer over the period. The default is 5.</summary>
    public double SessionsPerViewer { get; init; } = 5;

    /// <summary>Viewer segments (each with its own taste and price sensitivity). The default is 5.</summary>
    public int Segments { get; init; } = 5;

    /// <summary>The random seed: the same seed and catalog give the same interactions. The default is 7.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>The end of the generated period. The default is 2026-01-01T00:00Z.</summary>
    public DateTimeOffset End { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>
/// Synthetic interactions with real structure, so a real model has something to learn:
/// viewers belong to segments with category preferences (skewed) and a price sensitivity; items
/// have a Zipf-like popularity within their creator; viewers mostly follow one creator; a third
/// of sessions crowd around each creator's drops (a live stream). A session views a few items
/// (chosen by popularity × taste × price fit); views turn into clicks, carts, reservations and
/// purchases more often when the item suits the viewer.
/// </summary>
public static class DemoInteractionGenerator
{
    public static IReadOnlyList<Interaction> Generate(IReadOnlyList<CatalogItem> items, DemoInteractionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        options ??= new DemoInteractionOptions();
        if (items.Count == 0)
        {
            return [];
        }

        var random = new Random(options.Seed);
        var space = new Features.FeatureSpace(items);
        var categories = space.Categories.Count;
        var creators = space.Items.Select(static i => i.CreatorId).Distinct().ToArray();
        var itemsOf = creators.ToDictionary(static c => c, c => space.Items.Select(static (item, index) => (item, index)).Where(p => p.item.CreatorId == c).Select(static p => p.index).ToArray(), StringComparer.Ordinal);

        // Popularity: a random rank within each creator, popularity ∝ 1 / (rank + 1)^0.9.
        var popularity = new double[space.Items.Count];
        foreach (var list in itemsOf.Values)
        {
            var order = list.OrderBy(_ => random.Next()).ToArray();
            for (var rank = 0; rank < order.Length; rank++)
            {
                popularity[order[rank]] = 1.0 / Math.Pow(rank + 1, 0.9);
            }
        }

        var segments = new (double[] Taste, double PriceSensitivity)[options.Segments];
        for (var s = 0; s < segments.Length; s++)
        {
            var taste = new double[categories];
            for (var c = 0; c < categories; c++)
            {
                taste[c] = Math.Exp(1.6 * Gaussian(random));
            }

            segments[s] = (taste, s % 3 == 0 ? -1.2 : s % 3 == 1 ? 1.0 : 0.0);
        }

        // Each creator goes live (a drop) a few times in the period.
        var start = options.End - TimeSpan.FromDays(options.Days);
        var drops = creators.ToDictionary(static c => c, _ => Enumerable.Range(0, Math.Max(1, options.Days / 7)).Select(_ => start + TimeSpan.FromHours(random.NextDouble() * options.Days * 24)).ToArray(), StringComparer.Ordinal);

        var interactions = new List<Interaction>();
        var weights = new double[space.Items.Count];
        for (var v = 0; v < options.Viewers; v++)
        {
            var viewerId = "viewer-" + v.ToString("D5", CultureInfo.InvariantCulture);
            var (taste, priceSensitivity) = segments[random.Next(segments.Length)];
            var personal = taste.Select(t => t * Math.Exp(0.4 * Gaussian(random))).ToArray();
            var home = creators[random.Next(creators.Length)];
            var sessions = Poisson(random, options.SessionsPerViewer);
            for (var s = 0; s < sessions; s++)
            {
                var creator = random.NextDouble() < 0.8 ? home : creators[random.Next(creators.Length)];
                var at = random.NextDouble() < 0.35
                    ? drops[creator][random.Next(drops[creator].Length)] + TimeSpan.FromMinutes(random.NextDouble() * 90)
                    : start + TimeSpan.FromSeconds(random.NextDouble() * options.Days * 86400);
                if (at >= options.End)
                {
                    at = options.End - TimeSpan.FromSeconds(1);
                }

                var candidates = itemsOf[creator];
                var best = 0.0;
                foreach (var item in candidates)
                {
                    var fit = personal[space.ItemCategory[item]] * Math.Exp(priceSensitivity * (space.ItemPriceBucket[item] - 1.5) / 1.5);
                    weights[item] = popularity[item] * fit;
                    best = Math.Max(best, fit);
                }

                var views = 1 + random.Next(5);
                for (var n = 0; n < views; n++)
                {
                    var item = Sample(random, candidates, weights);
                    var product = space.Items[item];
                    var fit = personal[space.ItemCategory[item]] * Math.Exp(priceSensitivity * (space.ItemPriceBucket[item] - 1.5) / 1.5) / best;
                    interactions.Add(new Interaction(viewerId, creator, product.ProductId, InteractionKind.View, at));
                    at += TimeSpan.FromSeconds(5 + random.Next(60));
                    if (random.NextDouble() >= 0.08 + (0.6 * fit))
                    {
                        continue;
                    }

                    interactions.Add(new Interaction(viewerId, creator, product.ProductId, InteractionKind.Click, at));
                    at += TimeSpan.FromSeconds(5 + random.Next(60));
                    if (random.NextDouble() >= 0.3 + (0.3 * fit))
                    {
                        continue;
                    }

                    interactions.Add(new Interaction(viewerId, creator, product.ProductId, InteractionKind.AddToCart, at));
                    var reserved = random.NextDouble() < 0.25;
                    if (reserved)
                    {
                        interactions.Add(new Interaction(viewerId, creator, product.ProductId, InteractionKind.Reservation, at + TimeSpan.FromSeconds(2)));
                    }

                    if (random.NextDouble() < 0.5)
                    {
                        interactions.Add(new Interaction(viewerId, creator, product.ProductId, InteractionKind.Purchase, at + TimeSpan.FromSeconds(30)));
                    }

                    at += TimeSpan.FromMinutes(1);
                }
            }
        }

        interactions.Sort(static (a, b) => a.At.CompareTo(b.At));
        return interactions;
    }

    private static int Sample(Random random, int[] candidates, double[] weights)
    {
        var total = 0.0;
        foreach (var item in candidates)
        {
            total += weights[item];
        }

        var pick = random.NextDouble() * total;
        foreach (var item in candidates)
        {
            pick -= weights[item];
            if (pick <= 0)
            {
                return item;
            }
        }

        return candidates[^1];
    }

    private static double Gaussian(Random random)
    {
        // Box-Muller.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static int Poisson(Random random, double mean)
    {
        var limit = Math.Exp(-mean);
        var k = 0;
        var p = random.NextDouble();
        while (p > limit)
        {
            k++;
            p *= random.NextDouble();
        }

        return k;
    }
}
