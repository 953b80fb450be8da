using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.Edge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Recommendations.Tests;

public sealed class EventsApiTests : IAsyncLifetime
{
    private readonly EdgeApiFixture _edge = new();
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

    private HttpClient Client(string subject = "viewer-1")
    {
        var client = _edge.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _tokens.Mint(_edge.Time.GetUtcNow(), RecommenderModels.CreatorA, subject: subject));
        return client;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task PostEvents_ValidBatch_202RecordedInHistoryAndQueuedUpstream()
    {
        // Arrange
        var forwarder = _edge.Services.GetRequiredService<EventForwarder>();
        var before = forwarder.Buffered;

        // Act
        var response = await Client("fan").PostAsync(new Uri("/v1/events", UriKind.Relative),
            Json("""{"events": [{"creatorId": "creator-a", "productId": "a-poster-01", "kind": "click"}, {"creatorId": "creator-a", "productId": "a-poster-02", "kind": "purchase"}]}"""),
            TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, _edge.Services.GetRequiredService<ViewerHistoryCache>().Count("fan"));
        Assert.True(forwarder.Buffered >= before, "queued for the origin (or already sent)");
    }

    [Fact]
    public async Task PostEvents_Clicks_ChangeThatViewersRecommendations()
    {
        // Arrange: a model; a viewer who then clicks creator A's posters.
        var models = _edge.Services.GetRequiredService<ModelHolder>();
        models.Activate(RecommenderModels.V1.Version, RecommenderModels.V1.Onnx, RecommenderModels.V1.Sha256);
        var client = Client("poster-clicker");
        var before = await client.GetFromJsonAsync<RecommendationsResponse>("/v1/recommendations?creatorId=creator-a&k=12", TestContext.Current.CancellationToken);

        // Act
        var events = string.Join(", ", Enumerable.Range(1, 3).Select(static v => $$"""{"creatorId": "creator-a", "productId": "a-poster-0{{v}}", "kind": "add_to_cart"}"""));
        (await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Json("{\"events\": [" + events + "]}"), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var after = await client.GetFromJsonAsync<RecommendationsResponse>("/v1/recommendations?creatorId=creator-a&k=12", TestContext.Current.CancellationToken);

        // Assert: posters moved up.
        static double MeanPosterRank(RecommendationsResponse r) => r.Items.Select((item, rank) => (item, rank)).Where(static p => p.item.ProductId.Contains("poster", StringComparison.Ordinal)).Average(static p => p.rank);
        Assert.True(MeanPosterRank(after!) < MeanPosterRank(before!), $"before {MeanPosterRank(before!)} after {MeanPosterRank(after!)}");
    }

    [Theory]
    [InlineData("""{"events": [{"creatorId": "creator-a", "productId": "a-poster-01", "kind": "stare"}]}""", "events[0].kind")]
    [InlineData("""{"events": [{"creatorId": "creator-a", "productId": "no-such", "kind": "view"}]}""", "events[0].productId")]
    [InlineData("""{"events": [{"creatorId": "creator-a", "productId": "a-poster-01", "kind": "view", "at": "2020-01-01T00:00:00Z"}]}""", "events[0].at")]
    public async Task PostEvents_InvalidEvent_422NamingTheFieldAndNothingRecorded(string body, string field)
    {
        var response = await Client("bad").PostAsync(new Uri("/v1/events", UriKind.Relative), Json(body), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(0, _edge.Services.GetRequiredService<ViewerHistoryCache>().Count("bad"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"events": []}""")]
    [InlineData("""{"events": [{"creatorId": "creator-a", "productId": "a-poster-01", "kind": "view", "extra": 1}]}""")]
    public async Task PostEvents_MalformedBody_400(string body)
    {
        var response = await Client().PostAsync(new Uri("/v1/events", UriKind.Relative), Json(body), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task PostEvents_OversizeBody_413()
    {
        var body = "{\"events\": [" + string.Join(", ", Enumerable.Repeat("""{"creatorId": "creator-a", "productId": "a-poster-01", "kind": "view"}""", 600)) + "]}";
        var response = await Client().PostAsync(new Uri("/v1/events", UriKind.Relative), Json(body), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task PostEvents_OtherCreatorsProducts_404LikeUnknown()
    {
        var response = await Client().PostAsync(new Uri("/v1/events", UriKind.Relative),
            Json("""{"events": [{"creatorId": "creator-b", "productId": "b-poster-01", "kind": "view"}]}"""), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void Enqueue_FullBuffer_DropsTheOldestAndCountsThem()
    {
        // Arrange: room for three, nobody reading (the origin is away).
        using var channels = new OriginChannels(Options.Create(new SyncOptions { OriginAddress = new Uri("http://127.0.0.1:1") }), new SyncCredentials(Options.Create(new SyncOptions())));
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new RecommendationsMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var linkMetrics = new OriginLinkMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var calls = new OriginCalls(channels, Options.Create(new OriginCallOptions()), TimeProvider.System, linkMetrics, NullLogger<OriginCalls>.Instance);
        var forwarder = new EventForwarder(channels, calls, Options.Create(new RecommendationsOptions { UpstreamBufferCapacity = 3 }), Options.Create(new EdgeOptions { Id = "edge-1" }),
            metrics, TimeProvider.System, NullLogger<EventForwarder>.Instance);

        // Act: five events; Enqueue returns at once every time.
        for (var i = 1; i <= 5; i++)
        {
            forwarder.Enqueue(new ViewerInteraction { ViewerId = "v", CreatorId = "c", ProductId = "p-" + i, Kind = 0, AtUnixMs = i });
        }

        // Assert: the two oldest went; the three newest wait, in order.
        Assert.Equal(2, forwarder.Dropped);
        Assert.Equal(["p-3", "p-4", "p-5"], forwarder.Drain(10).Select(static e => e.ProductId));
    }
}
