using System.Net;
using System.Net.Http.Headers;
using EdgeCommerce.Edge.RateLimiting;
using EdgeCommerce.Edge.Tests.Infrastructure;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Tests.RateLimiting;

/// <summary>
/// The buckets (and their 100 ms timers) exist only once personal traffic arrives, and then limit
/// exactly as before. Would catch the lazy limiter never creating them (no limits at all) or
/// creating them for public requests (an idle edge waking 20 times a second again).
/// </summary>
public sealed class OnDemandLimiterTests : IAsyncLifetime
{
    private readonly EdgeApiFixture _edge = new(keepSyncWorker: false, static services => services.Configure<RateLimitOptions>(static o =>
    {
        o.ViewerBurst = 2;
        o.ViewerPerSecond = 1.0 / 60;
    }));

    private readonly EdgeTokens _tokens = new();

    public async ValueTask InitializeAsync()
    {
        await _edge.InitializeAsync();
        var snapshot = CatalogData.Snapshot(1, RecommenderModels.Catalog(RecommenderModels.CreatorA));
        snapshot.Keys = _tokens.KeySet;
        await _edge.Updater.ApplySnapshotAsync(snapshot, "cluster-test", TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _edge.DisposeAsync();
        _tokens.Dispose();
    }

    [Fact]
    public async Task PublicRequests_CreateNoBuckets_ThenPersonalOnesAreLimited()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var limiter = Assert.IsType<ViewerRateLimits.OnDemandLimiter>(_edge.Services.GetRequiredService<IOptions<RateLimiterOptions>>().Value.GlobalLimiter);
        var anonymous = _edge.CreateClient();
        var viewer = _edge.CreateClient();
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _tokens.Mint(_edge.Time.GetUtcNow(), RecommenderModels.CreatorA, Scopes.RecommendationsRead, "viewer-1"));

        // Act: public and machinery requests, then three personal ones against a burst of two.
        for (var i = 0; i < 5; i++)
        {
            (await anonymous.GetAsync(new Uri("/v1/creators/creator-a/widget", UriKind.Relative), ct)).Dispose();
            (await anonymous.GetAsync(new Uri("/v1/edge/status", UriKind.Relative), ct)).Dispose();
        }

        var createdByPublic = limiter.Created;
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await viewer.GetAsync(new Uri("/v1/recommendations?creatorId=creator-a&k=2", UriKind.Relative), ct);
            statuses.Add(response.StatusCode);
        }

        // Assert
        Assert.False(createdByPublic);
        Assert.True(limiter.Created);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }
}
