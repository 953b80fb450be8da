using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Recommendations;

/// <summary>
/// The whole loop over real processes, real gRPC and a real SQLite store: popularity before any
/// model; ML.NET training at the origin; the model's bytes and activation over the sync stream;
/// ONNX inference on the edge; events forwarded upstream and deleted on request; and a restarted
/// edge serving the same model from its data directory with the origin down.
/// </summary>
public sealed class RecommendationsFlowTests
{
    private static string Catalog(string prefix)
        => "{\"products\":[" + string.Join(",", new[] { "hoodie", "tee", "cap", "poster" }.SelectMany(kind => Enumerable.Range(1, 3).Select(v =>
            $$"""{"id":"{{prefix}}-{{kind}}-0{{v}}","title":"{{kind}} {{v}}","price":{"amountMinor":{{1000 + (v * 700)}},"currency":"EUR"},"skus":[{"id":"{{prefix}}-{{kind}}-0{{v}}-m","label":"M"}]}"""))) + "]}";

    [Fact]
    public async Task TrainDistributeServe_RealProcesses_EdgeRecommendsWithTheOriginsModel()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await origin.PushCatalogAsync("creator-a", Catalog("a"), cancellationToken);
        await origin.PushCatalogAsync("creator-b", Catalog("b"), cancellationToken);
        await using var edge = await EdgeNode.StartAsync("edge-recs", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-recs", cancellationToken), data.Combine("edge"), cancellationToken, "--Recommendations:UpstreamFlushInterval=00:00:00.100");
        await edge.WaitForStatusAsync(static s => s.GetProperty("ready").GetBoolean(), TimeSpan.FromSeconds(30), "first snapshot", cancellationToken);
        var token = await MintAsync(origin, cancellationToken);

        // Act 1: no model yet.
        var before = await RecommendAsync(edge, token, cancellationToken);

        // Act 2: train (demo interactions) and activate at the origin; wait for the edge to apply that revision.
        using var trained = await origin.Http.PostAsync("/admin/v1/models/train?demo=true", null, cancellationToken);
        var model = await trained.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Equal(HttpStatusCode.Created, trained.StatusCode);
        var revision = model.GetProperty("activatedRevision").GetInt64();
        await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= revision, TimeSpan.FromSeconds(30), "the activation", cancellationToken);
        var after = await RecommendAsync(edge, token, cancellationToken);

        // Act 3: events go upstream; a deletion request removes them at the origin.
        using (var posted = await SendAsync(edge, HttpMethod.Post, "/v1/events", token, """{"events":[{"creatorId":"creator-a","productId":"a-tee-01","kind":"click"}]}""", cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        var deleted = 0;
        for (var attempt = 0; attempt < 100 && deleted == 0; attempt++)
        {
            using var response = await origin.Http.DeleteAsync("/admin/v1/viewers/viewer-1/interactions", cancellationToken);
            deleted = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("deleted").GetInt32();
            if (deleted == 0)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        // Act 4: the origin goes away; the edge restarts and serves the model it kept on disk.
        await origin.StopAsync();
        await edge.StopAsync();
        await edge.RestartAsync(cancellationToken);
        await edge.WaitForStatusAsync(static s => s.GetProperty("ready").GetBoolean(), TimeSpan.FromSeconds(30), "the persisted replica", cancellationToken);
        var restarted = await RecommendAsync(edge, token, cancellationToken);

        // Assert
        Assert.Equal("popularity", before.GetProperty("source").GetString());
        Assert.Equal("model", after.GetProperty("source").GetString());
        Assert.Equal(model.GetProperty("version").GetString(), after.GetProperty("modelVersion").GetString());
        Assert.Equal(5, after.GetProperty("items").GetArrayLength());
        Assert.All(after.GetProperty("items").EnumerateArray(), static i => Assert.StartsWith("a-", i.GetProperty("productId").GetString(), StringComparison.Ordinal));
        Assert.Equal(1, deleted);
        Assert.Equal(model.GetProperty("version").GetString(), restarted.GetProperty("modelVersion").GetString());
    }

    private static async Task<string> MintAsync(OriginNode origin, CancellationToken cancellationToken)
    {
        using var response = await origin.Http.PostAsJsonAsync("/admin/v1/tokens",
            new { subject = "viewer-1", creatorId = "creator-a", scopes = new[] { "recs:read" }, ttlSeconds = 600 }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
    }

    private static async Task<JsonElement> RecommendAsync(EdgeNode edge, string token, CancellationToken cancellationToken)
    {
        // The token's key reaches the edge on the stream: retry the first 401s briefly.
        for (var attempt = 0; ; attempt++)
        {
            using var response = await SendAsync(edge, HttpMethod.Get, "/v1/recommendations?creatorId=creator-a&k=5", token, null, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt < 100)
            {
                await Task.Delay(100, cancellationToken);
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(EdgeNode edge, HttpMethod method, string path, string token, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await edge.Http.SendAsync(request, cancellationToken);
    }
}
