using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Shop;
using EdgeCommerce.Edge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Edge.Tests.Shop;

/// <summary>
/// The creator's public drop list through the output cache (<see cref="CreatorDropsCachePolicy"/>):
/// a repeated request is answered from the cache, and no catalog change, drop change, phase
/// boundary or concurrent update is ever answered from an older entry. Each test fails if the
/// key loses the revision, the time boundary or the <c>Origin</c>.
/// </summary>
public sealed class CreatorDropsCacheTests : IAsyncLifetime
{
    private const string Creator = "c1";
    private const string Site = "https://creator.example";
    private const string Path = "/v1/creators/" + Creator + "/drops";

    private readonly EdgeApiFixture _fixture = new(keepSyncWorker: false, static services
        => services.Configure<ShopOptions>(static options => options.AllowedOrigins[Creator] = [Site]));

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _fixture.InitializeAsync();
        var snapshot = CatalogData.Snapshot(1, CatalogData.CatalogOf(Creator, 1, "hoodie"));
        snapshot.Drops.Add(Drop(revision: 1, sold: 0, startsIn: TimeSpan.FromMinutes(-1)));
        await _fixture.Updater.ApplySnapshotAsync(snapshot, CancellationToken);
    }

    [Fact]
    public async Task ListDrops_Repeated_SecondAnswerFromTheOutputCache()
    {
        // Arrange
        using var client = _fixture.CreateClient();

        // Act
        var first = await GetAsync(client);
        var second = await GetAsync(client);

        // Assert
        Assert.Equal(first.GetRawText(), second.GetRawText());
        Assert.Equal(1, _fixture.CacheStore.StoresFor(Path));
        Assert.Equal(1, _fixture.CacheStore.HitsFor(Path));
    }

    [Fact]
    public async Task ListDrops_DropChangeApplied_NextAnswerShowsIt()
    {
        // Arrange: the open drop's answer is cached.
        using var client = _fixture.CreateClient();
        await GetAsync(client);
        var cached = await GetAsync(client);

        // Act
        await _fixture.ApplyDropAsync(revision => Drop(revision, sold: 3, startsIn: TimeSpan.FromMinutes(-1)), CancellationToken);
        var after = await GetAsync(client);

        // Assert
        Assert.Equal("open", cached.GetProperty("drops")[0].GetProperty("phase").GetString());
        Assert.Equal("sold_out", after.GetProperty("drops")[0].GetProperty("phase").GetString());
        Assert.Equal(_fixture.Holder.Current.Revision, after.GetProperty("revision").GetInt64());
    }

    [Fact]
    public async Task ListDrops_CatalogChangeWithdrawsTheSku_NextAnswerShowsIt()
    {
        // Arrange
        using var client = _fixture.CreateClient();
        await GetAsync(client);
        var cached = await GetAsync(client);

        // Act: a forced push replaces the hoodie with a tee.
        await _fixture.UpsertAsync(CatalogData.CatalogOf(Creator, 0, "tee"), CancellationToken);
        var after = await GetAsync(client);

        // Assert
        Assert.False(cached.GetProperty("drops")[0].GetProperty("skus")[0].GetProperty("withdrawn").GetBoolean());
        Assert.True(after.GetProperty("drops")[0].GetProperty("skus")[0].GetProperty("withdrawn").GetBoolean());
    }

    [Fact]
    public async Task ListDrops_StartTimePasses_NextAnswerSaysOpenWithoutARevision()
    {
        // Arrange: the drop starts in ten minutes; its "scheduled" answer is cached.
        await _fixture.ApplyDropAsync(revision => Drop(revision, sold: 0, startsIn: TimeSpan.FromMinutes(10)), CancellationToken);
        using var client = _fixture.CreateClient();
        await GetAsync(client);
        var cached = await GetAsync(client);
        var revision = _fixture.Holder.Current.Revision;

        // Act
        _fixture.Time.Advance(TimeSpan.FromMinutes(10));
        var after = await GetAsync(client);

        // Assert
        Assert.Equal("scheduled", cached.GetProperty("drops")[0].GetProperty("phase").GetString());
        Assert.Equal("open", after.GetProperty("drops")[0].GetProperty("phase").GetString());
        Assert.Equal(revision, _fixture.Holder.Current.Revision);
    }

    [Fact]
    public async Task ListDrops_TwoSiteOrigins_EachGetsItsOwnCorsAnswer()
    {
        // Arrange: the allowed site's answer is cached first.
        using var client = _fixture.CreateClient();
        using var allowed = await SendAsync(client, Site);
        using var allowedAgain = await SendAsync(client, Site);

        // Act
        using var other = await SendAsync(client, "https://evil.example");

        // Assert
        Assert.Equal(Site, Assert.Single(allowedAgain.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(1, _fixture.CacheStore.HitsFor(Path));
    }

    /// <summary>
    /// Readers race drop changes; after each change is applied, the next answer must carry at
    /// least its revision. Would catch an entry keyed by a revision older than its contents'
    /// (an update landing between a reader's lookup and its store) or a key without the revision.
    /// </summary>
    [Fact]
    public async Task ListDrops_ReadersRaceDropChanges_NoAnswerAfterAChangeIsOlderThanIt()
    {
        // Arrange
        using var client = _fixture.CreateClient();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await GetAsync(client);
            }
        }, CancellationToken)).ToList();
        var stale = new List<(long Applied, long Answered)>();

        // Act
        for (var sold = 1; sold <= 3 * 20; sold++)
        {
            var units = sold % 3;
            var applied = await _fixture.ApplyDropAsync(revision => Drop(revision, sold: units, startsIn: TimeSpan.FromMinutes(-1)), CancellationToken);
            var answered = (await GetAsync(client)).GetProperty("drops")[0].GetProperty("revision").GetInt64();
            if (answered < applied)
            {
                stale.Add((applied, answered));
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);

        // Assert
        Assert.Empty(stale);
        Assert.True(_fixture.CacheStore.HitsFor(Path) > 0);
    }

    public async ValueTask DisposeAsync() => await _fixture.DisposeAsync();

    private static async Task<JsonElement> GetAsync(HttpClient client)
        => await client.GetFromJsonAsync<JsonElement>(Path, CancellationToken);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Path);
        request.Headers.Add("Origin", origin);
        return await client.SendAsync(request, CancellationToken);
    }

    private DropState Drop(long revision, int sold, TimeSpan startsIn)
    {
        var start = _fixture.Time.GetUtcNow() + startsIn;
        return new DropState
        {
            DropId = "d1",
            CreatorId = Creator,
            Revision = revision,
            Title = "Tour drop",
            StartsAtUnixMs = start.ToUnixTimeMilliseconds(),
            EndsAtUnixMs = start.AddHours(2).ToUnixTimeMilliseconds(),
            PerViewerLimit = 2,
            Skus = { new DropSku { SkuId = "hoodie-m", Allocation = 3, Sold = sold } },
        };
    }
}
