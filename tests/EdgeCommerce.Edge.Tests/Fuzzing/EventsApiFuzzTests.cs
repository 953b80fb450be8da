using System.Net.Http.Headers;
using EdgeCommerce.Edge.Tests.Infrastructure;
using EdgeCommerce.Tests.Common.Fuzzing;

namespace EdgeCommerce.Edge.Tests.Fuzzing;

/// <summary>
/// Seeded mutation fuzzing of <c>POST /v1/events</c> on the in-memory edge (a body the framework's
/// serializer reads): every answer below 500, no Error log, and the endpoint still takes a valid
/// batch afterwards. Tokens rotate over many viewers so the per-viewer limit rarely answers first.
/// Replay with EDGECOMMERCE_FUZZ_SEED.
/// </summary>
public sealed class EventsApiFuzzTests : IAsyncLifetime
{
    private readonly EdgeApiFixture _edge = new();
    private readonly EdgeTokens _tokens = new();

    public async ValueTask InitializeAsync()
    {
        await _edge.InitializeAsync();
        var snapshot = CatalogData.Snapshot(1, RecommenderModels.Catalog(RecommenderModels.CreatorA));
        snapshot.Keys = _tokens.KeySet;
        await _edge.Updater.ApplySnapshotAsync(snapshot, "cluster-test", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task PostEvents_MutatedBodies_NeverA500()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var mutator = Mutator.FromEnvironment();
        var product = RecommenderModels.ProductIds(RecommenderModels.CreatorA)[0];
        var seed = $$"""{"events":[{"creatorId":"{{RecommenderModels.CreatorA}}","productId":"{{product}}","kind":"view"},{"creatorId":"{{RecommenderModels.CreatorA}}","productId":"{{product}}","kind":"click"}]}""";
        var tokens = Enumerable.Range(0, 200).Select(i => _tokens.Mint(_edge.Time.GetUtcNow(), RecommenderModels.CreatorA, subject: $"viewer-{i}")).ToArray();
        using var client = _edge.CreateClient();

        // Act and assert, input by input
        var count = await Mutator.RunAsync(1_000, 20_000, TimeSpan.FromSeconds(2), async i =>
        {
            var body = mutator.Mutate(seed);
            using var response = await PostAsync(client, tokens[i % tokens.Length], body, cancellationToken);
            Assert.True((int)response.StatusCode < 500, $"Input {i} got {(int)response.StatusCode} ({mutator.Replay}): {Convert.ToBase64String(body)}");
        });

        // Assert
        using var valid = await PostAsync(client, _tokens.Mint(_edge.Time.GetUtcNow(), RecommenderModels.CreatorA, subject: "after"), System.Text.Encoding.UTF8.GetBytes(seed), cancellationToken);
        Assert.True(valid.IsSuccessStatusCode, $"After {count} inputs a valid batch got {(int)valid.StatusCode} ({mutator.Replay})");
        Assert.True(_edge.ErrorLogs.Count == 0, $"{mutator.Replay}: {string.Join('\n', _edge.ErrorLogs)}");
        TestContext.Current.SendDiagnosticMessage($"POST /v1/events: {count} inputs, {mutator.Replay}");
    }

    public async ValueTask DisposeAsync()
    {
        await _edge.DisposeAsync();
        _tokens.Dispose();
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string token, byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request, cancellationToken);
    }
}
