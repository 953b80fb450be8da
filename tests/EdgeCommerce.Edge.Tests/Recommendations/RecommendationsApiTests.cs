using EdgeCommerce.Edge.RateLimiting;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using EdgeCommerce.Contracts.Recommendations;
using EdgeCommerce.Edge.Tests.Infrastructure;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Edge.Recommendations.Tests;

/// <summary>The endpoint over the in-memory host, with real ES256 tokens validated against keys that arrived in the replica.</summary>
public sealed class RecommendationsApiTests : IAsyncLifetime
{
    // Buckets refill in real time (the rate limiter has no TimeProvider): one token a minute here,
    // so a test that counts a burst never sees a refill land in the middle.
    private readonly EdgeApiFixture _edge = new(keepSyncWorker: false, static services => services.Configure<RateLimitOptions>(static o => o.ViewerPerSecond = 1.0 / 60));
    private readonly EdgeTokens _tokens = new();

    public async ValueTask InitializeAsync()
    {
        await _edge.InitializeAsync();
        var snapshot = CatalogData.Snapshot(1, RecommenderModels.Catalog(RecommenderModels.CreatorA), RecommenderModels.Catalog(RecommenderModels.CreatorB));
        snapshot.Keys = _tokens.KeySet;
        await _edge.Updater.ApplySnapshotAsync(snapshot, "cluster-test", TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _edge.DisposeAsync();
        _tokens.Dispose();
    }

    private ModelHolder Models => _edge.Services.GetRequiredService<ModelHolder>();

    private HttpClient Client(string? creator = RecommenderModels.CreatorA, string scope = Scopes.RecommendationsRead, string subject = "viewer-1")
    {
        var client = _edge.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _tokens.Mint(_edge.Time.GetUtcNow(), creator, scope, subject));
        return client;
    }

    [Fact]
    public async Task GetRecommendations_NoModel_PopularityRankingThatSaysSo()
    {
        var response = await Client().GetFromJsonAsync<RecommendationsResponse>("/v1/recommendations?creatorId=creator-a&k=5", TestContext.Current.CancellationToken);

        Assert.Equal("popularity", response!.Source);
        Assert.Null(response.ModelVersion);
        Assert.Equal(5, response.Items.Count);
    }

    [Fact]
    public async Task GetRecommendations_ActiveModel_TopKFromModelWithVersionAndRoundedScores()
    {
        // Arrange
        var v1 = RecommenderModels.V1;
        Models.Activate(v1.Version, v1.Onnx, v1.Sha256);

        // Act
        var response = await Client().GetFromJsonAsync<RecommendationsResponse>("/v1/recommendations?creatorId=creator-a&k=4", TestContext.Current.CancellationToken);

        // Assert: four of creator A's products, best first, scores in [0, 1] with at most 3 decimals.
        Assert.Equal("model", response!.Source);
        Assert.Equal("v1", response.ModelVersion);
        Assert.Equal(4, response.Items.Count);
        Assert.All(response.Items, static item => Assert.StartsWith("a-", item.ProductId, StringComparison.Ordinal));
        Assert.All(response.Items, static item => Assert.Equal(Math.Round(item.Score, 3), item.Score));
        Assert.Equal(response.Items.OrderByDescending(static i => i.Score).Select(static i => i.ProductId), response.Items.Select(static i => i.ProductId));
        Assert.All(response.Items, static item => Assert.Equal(2, item.SkuIds.Count));
    }

    [Fact]
    public async Task GetRecommendations_ViewerHistory_ChangesTheRanking()
    {
        // Arrange: a viewer who clicked every poster of creator A, against a cold viewer.
        Models.Activate(RecommenderModels.V1.Version, RecommenderModels.V1.Onnx, RecommenderModels.V1.Sha256);
        var histories = _edge.Services.GetRequiredService<ViewerHistoryCache>();
        foreach (var id in RecommenderModels.ProductIds(RecommenderModels.CreatorA).Where(static p => p.Contains("poster", StringComparison.Ordinal)))
        {
            histories.Record("poster-fan", "creator-a/" + id, InteractionKind.Purchase);
        }

        // Act
        var fan = await Client(subject: "poster-fan").GetFromJsonAsync<RecommendationsResponse>("/v1/recommendations?creatorId=creator-a&k=12", TestContext.Current.CancellationToken);
        var cold = await Client(subject: "cold-viewer").GetFromJsonAsync<RecommendationsResponse>("/v1/recommendations?creatorId=creator-a&k=12", TestContext.Current.CancellationToken);

        // Assert: posters rank higher, on average, for the fan than for the cold viewer.
        static double MeanPosterRank(RecommendationsResponse r) => r.Items.Select((item, rank) => (item, rank)).Where(static p => p.item.ProductId.Contains("poster", StringComparison.Ordinal)).Average(static p => p.rank);
        Assert.True(MeanPosterRank(fan!) < MeanPosterRank(cold!), $"fan {MeanPosterRank(fan!)} cold {MeanPosterRank(cold!)}");
    }

    [Fact]
    public async Task GetRecommendations_OneTokenAskingWithoutEnd_429AfterItsBurst()
    {
        // Arrange: the viewer's bucket holds 20 (the default burst) and refills once a minute.
        var client = Client(subject: "scraper");
        var statuses = new List<HttpStatusCode>();

        // Act
        for (var i = 0; i < 25; i++)
        {
            using var response = await client.GetAsync(new Uri("/v1/recommendations?creatorId=creator-a&k=50", UriKind.Relative), TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
        }

        // Assert: scraping the model's rankings is bounded per token.
        Assert.Equal(20, statuses.Count(static s => s == HttpStatusCode.OK));
        Assert.Equal(5, statuses.Count(static s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task GetRecommendations_NoToken_401()
    {
        var response = await _edge.CreateClient().GetAsync(new Uri("/v1/recommendations?creatorId=creator-a", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task GetRecommendations_TokenWithoutRecsScope_403()
    {
        var response = await Client(scope: Scopes.DropRsvp).GetAsync(new Uri("/v1/recommendations?creatorId=creator-a", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task GetRecommendations_OtherCreatorsShop_404ExactlyLikeAnUnknownCreator()
    {
        // Arrange: a token for creator A.
        var client = Client();

        // Act: creator B exists in the replica; creator Z does not.
        var other = await client.GetAsync(new Uri("/v1/recommendations?creatorId=creator-b", UriKind.Relative), TestContext.Current.CancellationToken);
        var unknown = await client.GetAsync(new Uri("/v1/recommendations?creatorId=creator-z", UriKind.Relative), TestContext.Current.CancellationToken);

        // Assert: same status, same body; nothing says B exists.
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(await WithoutTraceIdAsync(unknown), await WithoutTraceIdAsync(other));
    }

    private static async Task<string> WithoutTraceIdAsync(HttpResponseMessage response)
    {
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject();
        body.Remove("traceId");
        return body.ToJsonString();
    }

    [Theory]
    [InlineData("/v1/recommendations?creatorId=creator-a&k=0")]
    [InlineData("/v1/recommendations?creatorId=creator-a&k=51")]
    [InlineData("/v1/recommendations?creatorId=creator-a&k=ten")]
    [InlineData("/v1/recommendations?creatorId=creator-a&k=-1")]
    [InlineData("/v1/recommendations")]
    [InlineData("/v1/recommendations?creatorId=Bad%20Id")]
    public async Task GetRecommendations_BadQuery_400ProblemDetails(string url)
    {
        var response = await Client().GetAsync(new Uri(url, UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
