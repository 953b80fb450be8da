using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Tests.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static EdgeCommerce.Origin.Tests.CatalogAdmin.CatalogSamples;
using static EdgeCommerce.Origin.Tests.Edges.RegistryEdges;

namespace EdgeCommerce.Origin.Tests.Edges;

/// <summary>
/// <c>/v1/edges/nearest</c> through the output cache: repeated asks are answered from it (an
/// <c>Age</c> header), and after every kind of registry change the next answer is the one the
/// directory computes now, never an entry from before the change.
/// </summary>
public sealed class NearestEdgesCacheTests
{
    private static readonly Dictionary<string, string?> s_routing = new()
    {
        ["Routing:Adjacency:eu-west:0"] = "us-east",
        ["Routing:MaxLag"] = "00:00:05",
        ["Routing:ContactTimeout"] = "00:01:00",
    };

    [Fact]
    public async Task Nearest_AskedTwice_SecondAnsweredFromTheCachePerRegion()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = await StartAsync(s_routing);
        var registry = origin.Services.GetRequiredService<EdgeRegistry>();
        Connect(registry, "west", "eu-west");
        Connect(registry, "east", "us-east");
        using var client = origin.CreateAnonymousClient();

        // Act
        var first = await AskAsync(client, "eu-west", cancellationToken);
        var second = await AskAsync(client, "eu-west", cancellationToken);
        var otherRegion = await AskAsync(client, "us-east", cancellationToken);

        // Assert
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.Urls, second.Urls);
        Assert.False(otherRegion.FromCache);
        Assert.Equal(["https://east.example.com", "https://west.example.com"], otherRegion.Urls);
        Assert.Empty(origin.ErrorLogs);
    }

    [Fact]
    public async Task Nearest_EveryKindOfRegistryChange_NextAnswerIsTheDirectorysNow()
    {
        // Arrange: each step changes the registry after the answer before it was cached; without
        // the fingerprint in the key (or with a key missing one of its parts) a step is answered
        // with the previous step's edges.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = await StartAsync(s_routing);
        var registry = origin.Services.GetRequiredService<EdgeRegistry>();
        var directory = origin.Services.GetRequiredService<EdgeDirectory>();
        using var admin = origin.CreateClient();
        using var client = origin.CreateAnonymousClient();
        var west = Connect(registry, "west", "eu-west");
        long east = 0;
        var steps = new (string Change, Func<Task> Apply)[]
        {
            ("an edge connects", () => { east = Connect(registry, "east", "us-east"); return Task.CompletedTask; }),
            ("an edge disconnects", () => { registry.OnDisconnected("east", east); return Task.CompletedTask; }),
            ("an edge reconnects", () => { east = Connect(registry, "east", "us-east"); return Task.CompletedTask; }),
            ("an edge goes quiet past the contact timeout", () => { origin.TimeProvider.Advance(TimeSpan.FromSeconds(40)); registry.OnContact("east", east); origin.TimeProvider.Advance(TimeSpan.FromSeconds(21)); return Task.CompletedTask; }),
            ("the quiet edge is heard from again", () => { registry.OnContact("west", west); return Task.CompletedTask; }),
            ("an edge is revoked", () => PostAsync(admin, "/admin/v1/edges/east/revoke", cancellationToken)),
            ("the revocation is lifted", () => PostAsync(admin, "/admin/v1/edges/east/allow", cancellationToken)),
            ("a catalog write leaves the edges behind", () => PutCatalogAsync(admin, cancellationToken)),
            ("the edges acknowledge it", async () =>
            {
                var head = await origin.GetHeadRevisionAsync();
                registry.OnApplied("west", west, head);
                registry.OnApplied("east", east, head);
            }),
            ("an edge moves to another region", () => { east = Connect(registry, "east", "eu-west"); return Task.CompletedTask; }),
        };

        foreach (var region in new[] { "eu-west", "us-east" })
        {
            _ = await AskAsync(client, region, cancellationToken);
        }

        foreach (var (change, apply) in steps)
        {
            // Act: the answer before the change is cached (asked twice), then the change.
            foreach (var region in new[] { "eu-west", "us-east" })
            {
                _ = await AskAsync(client, region, cancellationToken);
            }

            await apply();

            // Assert
            foreach (var region in new[] { "eu-west", "us-east" })
            {
                var expected = (await directory.NearestAsync(region, cancellationToken)).Select(static e => e.Url).ToList();
                var answer = await AskAsync(client, region, cancellationToken);
                Assert.True(expected.SequenceEqual(answer.Urls), $"After '{change}' ({region}): expected [{string.Join(", ", expected)}], answered [{string.Join(", ", answer.Urls)}].");
            }
        }

        Assert.Empty(origin.ErrorLogs);
    }

    [Fact]
    public async Task Nearest_ChangesRacingTheAnswers_NoEntryOutlivesItsState()
    {
        // Arrange: an edge flaps between connected and gone while browsers ask. A request whose
        // key was taken in one state and whose answer was computed in the other must not store it
        // under its key: the state comes back to that key later, and the entry would then be the
        // other state's answer. This catches storing without comparing the answer's fingerprint
        // with the key's.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = await StartAsync(s_routing);
        var registry = origin.Services.GetRequiredService<EdgeRegistry>();
        var directory = origin.Services.GetRequiredService<EdgeDirectory>();
        Connect(registry, "steady", "eu-west");
        using var client = origin.CreateAnonymousClient();

        for (var round = 0; round < 50; round++)
        {
            // Act
            var token = Connect(registry, "flapper", "eu-west");
            var asks = Enumerable.Range(0, 4).Select(_ => AskAsync(client, "eu-west", cancellationToken)).ToList();
            registry.OnDisconnected("flapper", token);
            await Task.WhenAll(asks);

            // Assert: the state now (flapper gone) is answered as the directory computes it.
            var expected = (await directory.NearestAsync("eu-west", cancellationToken)).Select(static e => (string?)e.Url).ToList();
            Assert.Equal(expected, (await AskAsync(client, "eu-west", cancellationToken)).Urls);
            Assert.Equal(expected, (await AskAsync(client, "eu-west", cancellationToken)).Urls);
        }
    }

    [Fact]
    public async Task Nearest_RegistryChangesWhileTheAnswerIsComputed_AnswerNotStoredUnderTheOlderState()
    {
        // Arrange: the key is taken with "flapper" connected; while the directory reads the store,
        // flapper disconnects, so the answer (without it) is the newer state's. Stored under the
        // key, it would answer once flapper is back (the same fingerprint): this catches storing
        // without comparing the answer's fingerprint with the key's.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory("edgecommerce-nearest-race");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = data.Path });
        builder.Services.AddMetrics();
        builder.Services.AddOriginStorage();
        StoreHook? hook = null;
        builder.Services.AddSingleton<IOriginStore>(sp => (IOriginStore)(hook = StoreHook.Wrap(sp.GetRequiredService<OriginStore>())));
        builder.Services.AddEdgeRegistry();
        await using var app = builder.Build();
        app.UseOutputCache();
        app.MapGet("/v1/edges/nearest", static (string? region, EdgeDirectory directory, HttpContext context, CancellationToken token)
            => EdgesApi.Nearest(region, directory, context, token)).CacheOutput(NearestEdgesCachePolicy.PolicyName);
        await app.StartAsync(cancellationToken);
        using var client = app.GetTestClient();
        var registry = app.Services.GetRequiredService<EdgeRegistry>();
        Connect(registry, "steady", "eu-west");
        var flapper = Connect(registry, "flapper", "eu-west");
        Assert.NotNull(hook);
        hook.BeforeListEdges = () => registry.OnDisconnected("flapper", flapper);

        // Act
        var racing = await AskAsync(client, "eu-west", cancellationToken);
        Connect(registry, "flapper", "eu-west");
        var back = await AskAsync(client, "eu-west", cancellationToken);

        // Assert
        Assert.Equal(["https://steady.example.com"], racing.Urls);
        Assert.Equal(["https://flapper.example.com", "https://steady.example.com"], back.Urls);
        await app.StopAsync(cancellationToken);
    }

    [Fact]
    public async Task Nearest_CacheNearestOff_EveryAnswerComputed()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var origin = await StartAsync(new Dictionary<string, string?>(s_routing) { ["Routing:CacheNearest"] = "false" });
        Connect(origin.Services.GetRequiredService<EdgeRegistry>(), "west", "eu-west");
        using var client = origin.CreateAnonymousClient();

        // Act
        _ = await AskAsync(client, "eu-west", cancellationToken);
        var second = await AskAsync(client, "eu-west", cancellationToken);

        // Assert
        Assert.False(second.FromCache);
        Assert.Equal(["https://west.example.com"], second.Urls);
    }

    private static async Task<OriginApiFixture> StartAsync(Dictionary<string, string?> settings)
    {
        var origin = new OriginApiFixture(settings);
        await origin.InitializeAsync();
        // The first client mints the signing key: revision 1, which Connect's edges acknowledge.
        using var first = origin.CreateClient();
        return origin;
    }

    private static async Task PostAsync(HttpClient admin, string path, CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsync(path, null, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task PutCatalogAsync(HttpClient admin, CancellationToken cancellationToken)
    {
        using var content = new StringContent(ValidCatalog(), Encoding.UTF8, "application/json");
        using var response = await admin.PutAsync("/admin/v1/creators/creator-1/catalog", content, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<(List<string?> Urls, bool FromCache)> AskAsync(HttpClient client, string region, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync("/v1/edges/nearest?region=" + region, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return ([.. body.GetProperty("edges").EnumerateArray().Select(static e => e.GetProperty("url").GetString())], response.Headers.Age is not null);
    }

    /// <summary>The store, with a callback run once before the next registry read.</summary>
    public class StoreHook : DispatchProxy
    {
        private IOriginStore _inner = null!;

        internal Action? BeforeListEdges { get; set; }

        internal static StoreHook Wrap(IOriginStore inner)
        {
            var proxy = Create<IOriginStore, StoreHook>();
            var hook = (StoreHook)(object)proxy;
            hook._inner = inner;
            return hook;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IOriginStore.ListEdgesAsync) && BeforeListEdges is { } before)
            {
                BeforeListEdges = null;
                before();
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }
    }
}
