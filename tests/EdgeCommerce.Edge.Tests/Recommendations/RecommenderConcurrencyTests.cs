using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using EdgeCommerce.Edge.RateLimiting;
using EdgeCommerce.Edge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Edge.Recommendations.Tests;

public sealed class RecommenderConcurrencyTests
{
    /// <summary>
    /// Stock that only ever sells out, recording the order in which SKUs went. A response may
    /// only name SKUs that were still in stock when its request started.
    /// </summary>
    private sealed class SellOutLedger : ISkuAvailability
    {
        private readonly ConcurrentDictionary<string, long> _soldOutAt = new(StringComparer.Ordinal);
        private long _published;

        /// <summary>The last sale-out fully recorded (one writer).</summary>
        public long Sequence => Volatile.Read(ref _published);

        public bool IsInStock(string creatorId, string skuId) => !_soldOutAt.ContainsKey(skuId);

        public void SellOut(string skuId)
        {
            var next = _published + 1;
            _soldOutAt[skuId] = next;
            Volatile.Write(ref _published, next);
        }

        public long? SoldOutAt(string skuId) => _soldOutAt.TryGetValue(skuId, out var at) ? at : null;
    }

    [Fact]
    public async Task Recommend_SkusSellingOutConcurrently_NeverReturnsOneSoldOutBeforeTheRequest()
    {
        // Arrange: 40 products × 2 SKUs, a model active, and stock that sells out while requests run.
        // What it catches: a candidate list or answer cached per creator or revision, or a stock
        // check skipped when the answer is built: either returns a SKU that sold out earlier.
        var ledger = new SellOutLedger();
        await using var edge = new EdgeApiFixture(keepSyncWorker: false, services => services.AddSingleton<ISkuAvailability>(ledger));
        await edge.InitializeAsync();
        var catalog = CatalogData.CatalogOf(RecommenderModels.CreatorA, 1, [.. RecommenderModels.ProductIds(RecommenderModels.CreatorA), .. Enumerable.Range(0, 28).Select(static i => "a-extra-" + i)]);
        await edge.ApplySnapshotAsync([catalog], TestContext.Current.CancellationToken);
        var models = edge.Services.GetRequiredService<ModelHolder>();
        models.Activate(RecommenderModels.V1.Version, RecommenderModels.V1.Onnx, RecommenderModels.V1.Sha256);
        var recommender = edge.Services.GetRequiredService<Recommender>();
        var skus = catalog.Products.SelectMany(static p => p.Skus).Select(static s => s.Id).OrderBy(static _ => Random.Shared.Next()).ToArray();
        var violations = new ConcurrentQueue<string>();
        var answered = 0;
        using var done = new CancellationTokenSource();

        // Act: four readers hammer the recommender while a writer sells out all but four SKUs.
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                var before = ledger.Sequence;
                var result = recommender.Recommend(RecommenderModels.CreatorA, "viewer-" + r, 50)!;
                Interlocked.Increment(ref answered);
                foreach (var sku in result.Items.SelectMany(static i => i.SkuIds))
                {
                    if (ledger.SoldOutAt(sku) is { } at && at <= before)
                    {
                        violations.Enqueue($"{sku} sold out at {at}, request started after {before}");
                    }
                }
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        foreach (var sku in skus[..^4])
        {
            ledger.SellOut(sku);

            // Let the readers answer at least twice between two sales (no timing involved).
            var target = Volatile.Read(ref answered) + 2;
            while (Volatile.Read(ref answered) < target)
            {
                await Task.Yield();
            }
        }

        var final = recommender.Recommend(RecommenderModels.CreatorA, "viewer-final", 50)!;
        await done.CancelAsync();
        await Task.WhenAll(readers);

        // Assert
        Assert.Empty(violations);
        Assert.True(answered > 0);
        Assert.Equal(skus[^4..].Order(StringComparer.Ordinal), final.Items.SelectMany(static i => i.SkuIds).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetRecommendations_ModelsHotSwappedUnderLoad_ZeroFailedRequests()
    {
        // Arrange: v1 active; viewers request over HTTP (in memory) from 8 concurrent loops.
        // What it catches: a session disposed under a running call (ObjectDisposedException → 500),
        // a half-swapped model (wrong item table for the session), or a request that sees no model.
        using var tokens = new EdgeTokens();
        // The load loops would hit the per-viewer rate limit (its buckets refill on the fake clock): lift it here.
        await using var edge = new EdgeApiFixture(keepSyncWorker: false, static services => services.Configure<RateLimitOptions>(static o =>
        {
            o.ViewerBurst = 1_000_000;
            o.CreatorBurst = 10_000_000;
        }));
        await edge.InitializeAsync();
        var snapshot = CatalogData.Snapshot(1, RecommenderModels.Catalog(RecommenderModels.CreatorA));
        snapshot.Keys = tokens.KeySet;
        await edge.Updater.ApplySnapshotAsync(snapshot, "cluster-test", TestContext.Current.CancellationToken);
        var models = edge.Services.GetRequiredService<ModelHolder>();
        models.Activate(RecommenderModels.V1.Version, RecommenderModels.V1.Onnx, RecommenderModels.V1.Sha256);
        var failures = new ConcurrentQueue<string>();
        var versions = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var requests = 0;
        using var done = new CancellationTokenSource();

        // Act: swap v1 ↔ v2 twenty times while the loops run. Each swap waits for 16 more answers
        // (with 8 loops, at least 8 of them were asked after the swap), so a slow machine cannot
        // finish the swaps before the loops get going and leave one version never served.
        var loops = Enumerable.Range(0, 8).Select(l => Task.Run(async () =>
        {
            using var client = edge.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Mint(edge.Time.GetUtcNow(), RecommenderModels.CreatorA, subject: "viewer-" + l));
            while (!done.IsCancellationRequested)
            {
                var response = await client.GetAsync(new Uri("/v1/recommendations?creatorId=creator-a&k=5", UriKind.Relative), TestContext.Current.CancellationToken);
                Interlocked.Increment(ref requests);
                if (!response.IsSuccessStatusCode)
                {
                    failures.Enqueue(response.StatusCode.ToString());
                    continue;
                }

                var body = await response.Content.ReadFromJsonAsync<RecommendationsResponse>(TestContext.Current.CancellationToken);
                if (body!.Source != "model" || body.Items.Count != 5)
                {
                    failures.Enqueue($"{body.Source} with {body.Items.Count} items");
                }

                versions.AddOrUpdate(body.ModelVersion ?? "none", 1, static (_, n) => n + 1);
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        var retired = new List<RecommenderModel>();
        for (var swap = 0; swap < 20; swap++)
        {
            var next = swap % 2 == 0 ? RecommenderModels.V2 : RecommenderModels.V1;
            retired.Add(models.Current!);
            var before = Volatile.Read(ref requests);
            Assert.Equal(ModelActivationResult.Activated, models.Activate(next.Version, next.Onnx, next.Sha256));
            while (Volatile.Read(ref requests) < before + 16 && failures.IsEmpty)
            {
                await Task.Delay(1, TestContext.Current.CancellationToken);
            }
        }

        await done.CancelAsync();
        await Task.WhenAll(loops);

        // Assert: every request answered from a model; both versions served; every retired session was disposed once drained.
        Assert.Empty(failures);
        Assert.True(requests > 0);
        Assert.True(versions.ContainsKey("v1") && versions.ContainsKey("v2"), string.Join(", ", versions));
        Assert.All(retired, static m => Assert.True(m.IsDisposed));
        Assert.Empty(edge.ErrorLogs);
    }
}
