using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.DependencyInjection;
using static EdgeCommerce.Origin.Tests.CatalogAdmin.CatalogSamples;
using static EdgeCommerce.Origin.Tests.Edges.RegistryEdges;

namespace EdgeCommerce.Origin.Tests.Edges;

/// <summary>
/// The edge endpoints over an in-memory origin. Each test starts a host of its own: health depends
/// on the fake clock and on every edge the registry has seen.
/// </summary>
public sealed class EdgesApiTests
{
    private static readonly Dictionary<string, string?> s_routing = new()
    {
        ["Routing:Adjacency:eu-west:0"] = "eu-central",
        ["Routing:Adjacency:eu-west:1"] = "us-east",
        ["Routing:MaxLag"] = "00:00:05",
        ["Routing:ContactTimeout"] = "00:01:00",
    };

    [Fact]
    public async Task Nearest_AdjacencyConfigured_ReturnsHealthyEdgesNearestFirstWithOnlyRegionAndUrl()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = await StartAsync();
        var registry = origin.Services.GetRequiredService<EdgeRegistry>();
        Connect(registry, "a-south", "ap-south");
        Connect(registry, "b-us", "us-east");
        Connect(registry, "c-central", "eu-central");
        Connect(registry, "d-west", "eu-west");
        registry.OnDisconnected("e-west", Connect(registry, "e-west", "eu-west"));
        using var client = origin.CreateClient();

        // Act
        using var response = await client.GetAsync("/v1/edges/nearest?region=eu-west", cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=5", response.Headers.CacheControl?.ToString());
        // Readable by any creator's page (the edge's /embed.js asks it cross-origin).
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("eu-west", body.GetProperty("region").GetString());
        var edges = body.GetProperty("edges").EnumerateArray().ToList();
        Assert.Equal(
            [("eu-west", "https://d-west.example.com"), ("eu-central", "https://c-central.example.com"), ("us-east", "https://b-us.example.com"), ("ap-south", "https://a-south.example.com")],
            edges.Select(static e => (e.GetProperty("region").GetString(), e.GetProperty("url").GetString())));
        // Public: no ids, revisions, lag or link state.
        Assert.All(edges, static e => Assert.Equal(["region", "url"], e.EnumerateObject().Select(static p => p.Name)));
        Assert.Empty(origin.ErrorLogs);
    }

    [Fact]
    public async Task Nearest_ContactTimedOutOnTheClock_Excluded()
    {
        // Arrange: "quiet" was last heard from before the clock moved past Routing:ContactTimeout.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = await StartAsync();
        var registry = origin.Services.GetRequiredService<EdgeRegistry>();
        Connect(registry, "quiet", "eu-west");
        origin.TimeProvider.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromMilliseconds(1));
        Connect(registry, "lively", "us-east");
        using var client = origin.CreateClient();

        // Act
        var urls = await NearestUrlsAsync(client, "eu-west", cancellationToken);

        // Assert
        Assert.Equal(["https://lively.example.com"], urls);
    }

    [Fact]
    public async Task Nearest_LagOverMaxLag_Excluded()
    {
        // Arrange: a change "behind" has not acknowledged ages past Routing:MaxLag.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = await StartAsync();
        using var client = origin.CreateClient();
        using var content = new StringContent(ValidCatalog(), Encoding.UTF8, "application/json");
        using var put = await client.PutAsync("/admin/v1/creators/creator-1/catalog", content, cancellationToken);
        var head = (await put.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("revision").GetInt64();
        var registry = origin.Services.GetRequiredService<EdgeRegistry>();
        Connect(registry, "behind", "eu-west", appliedRevision: head - 1);
        Connect(registry, "current", "eu-west", appliedRevision: head);
        origin.TimeProvider.Advance(TimeSpan.FromSeconds(6));
        Connect(registry, "behind", "eu-west", appliedRevision: head - 1);

        // Act
        var urls = await NearestUrlsAsync(client, "eu-west", cancellationToken);

        // Assert
        Assert.Equal(["https://current.example.com"], urls);
    }

    [Theory]
    [InlineData("")]
    [InlineData("eu west")]
    [InlineData("eu/west")]
    [InlineData("eu%2Fwest")]
    [InlineData("%C3%BC")]
    [InlineData("rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr")]
    public async Task Nearest_InvalidRegion_Returns400ProblemDetails(string region)
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = await StartAsync();
        using var client = origin.CreateClient();

        // Act
        using var response = await client.GetAsync("/v1/edges/nearest?region=" + region, cancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty("region", out _));
    }

    [Fact]
    public async Task ListEdges_PlatformOperator_ListsEveryEdgeWithLagAndNoStore()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = await StartAsync();
        var registry = origin.Services.GetRequiredService<EdgeRegistry>();
        Connect(registry, "edge-b", "us-east");
        registry.OnDisconnected("edge-a", Connect(registry, "edge-a", "eu-west"));
        using var client = origin.CreateClient();

        // Act
        using var response = await client.GetAsync("/admin/v1/edges", cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal(await origin.GetHeadRevisionAsync(), body.GetProperty("headRevision").GetInt64());
        var edges = body.GetProperty("edges").EnumerateArray().ToList();
        Assert.Equal(["edge-a", "edge-b"], edges.Select(static e => e.GetProperty("id").GetString()));
        Assert.Equal([false, true], edges.Select(static e => e.GetProperty("connected").GetBoolean()));
        Assert.Equal([false, true], edges.Select(static e => e.GetProperty("healthy").GetBoolean()));
    }

    [Fact]
    public async Task ListEdges_WithoutPlatformToken_RefusedWhileNearestStaysPublic()
    {
        // Arrange: the registry names every edge and its lag: platform operators only.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = await StartAsync();
        Connect(origin.Services.GetRequiredService<EdgeRegistry>(), "edge-a", "eu-west");
        using var anonymous = origin.CreateAnonymousClient();
        var creatorAdmin = await origin.MintAsync("creator-admin", "creator-1", [Scopes.AdminCatalog, Scopes.AdminKeys], Audiences.Origin);

        // Act
        using var noToken = await anonymous.GetAsync("/admin/v1/edges", cancellationToken);
        using var creatorRequest = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/edges") { Headers = { Authorization = new("Bearer", creatorAdmin) } };
        using var creator = await anonymous.SendAsync(creatorRequest, cancellationToken);
        var bodies = new[] { await noToken.Content.ReadAsStringAsync(cancellationToken), await creator.Content.ReadAsStringAsync(cancellationToken) };
        using var nearest = await anonymous.GetAsync("/v1/edges/nearest?region=eu-west", cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, creator.StatusCode);
        Assert.All(bodies, static body => Assert.DoesNotContain("edge-a", body, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, nearest.StatusCode);
    }

    private static async Task<OriginApiFixture> StartAsync()
    {
        var origin = new OriginApiFixture(s_routing);
        await origin.InitializeAsync();
        return origin;
    }

    private static async Task<List<string?>> NearestUrlsAsync(HttpClient client, string region, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync("/v1/edges/nearest?region=" + region, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return [.. body.GetProperty("edges").EnumerateArray().Select(static e => e.GetProperty("url").GetString())];
    }
}
