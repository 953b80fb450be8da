using System.Net;
using System.Text.Json;
using EdgeCommerce.Edge.Catalog;
using EdgeCommerce.Edge.Tests.Infrastructure;
using static EdgeCommerce.Edge.Tests.Infrastructure.CatalogData;

namespace EdgeCommerce.Edge.Tests.Catalog;

/// <summary>
/// The widget endpoint over the in-memory host. Tests share one host and never reuse a creator
/// id, and revisions only climb, so no test can see another's cache entries.
/// </summary>
public sealed class WidgetApiTests(EdgeApiFixture fixture) : IClassFixture<EdgeApiFixture>, IDisposable
{
    public void Dispose() => Assert.Empty(fixture.ErrorLogs);

    [Fact]
    public async Task GetWidget_BeforeSnapshot_Returns503WithRetryAfterThen200AfterSnapshot()
    {
        // Arrange: a host of its own, which has received nothing yet.
        var ct = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();
        using var client = edge.CreateClient();

        // Act
        using var early = await client.GetAsync(WidgetUrl("early"), ct);
        using var earlyReady = await client.GetAsync("/readyz", ct);
        await edge.ApplySnapshotAsync([CatalogOf("early", 0, "p1")], ct);
        using var later = await client.GetAsync(WidgetUrl("early"), ct);
        using var laterReady = await client.GetAsync("/readyz", ct);

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), early.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", early.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, earlyReady.StatusCode);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Null(later.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, laterReady.StatusCode);
        // Not ready yet is an expected state, reported as Degraded: no Error-level log per probe.
        Assert.Empty(edge.ErrorLogs);
    }

    [Fact]
    public async Task GetWidget_KnownCreator_ReturnsWidgetJson()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var revision = await fixture.UpsertAsync(CatalogOf("json", 0, "hoodie", "cap"), ct);
        using var client = fixture.CreateClient();

        // Act
        using var response = await client.GetAsync(WidgetUrl("json"), ct);
        var body = await response.Content.ReadAsStringAsync(ct);

        // Assert: exactly the public shape; attributes stay out.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal(
            "{\"creatorId\":\"json\",\"revision\":" + revision + ",\"products\":["
            + "{\"id\":\"hoodie\",\"title\":\"Title of hoodie\",\"description\":\"Description of hoodie\",\"imageUrl\":\"/images/demo/hoodie.svg\","
            + "\"price\":{\"amountMinor\":1006,\"currency\":\"EUR\"},\"skus\":[{\"id\":\"hoodie-s\",\"label\":\"S\"},{\"id\":\"hoodie-m\",\"label\":\"M\"}]},"
            + "{\"id\":\"cap\",\"title\":\"Title of cap\",\"description\":\"Description of cap\",\"imageUrl\":\"/images/demo/cap.svg\","
            + "\"price\":{\"amountMinor\":1003,\"currency\":\"EUR\"},\"skus\":[{\"id\":\"cap-s\",\"label\":\"S\"},{\"id\":\"cap-m\",\"label\":\"M\"}]}]}",
            body);
    }

    [Fact]
    public async Task GetWidget_KnownCreator_SetsRevisionAndCachingHeaders()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var revision = await fixture.UpsertAsync(CatalogOf("headers", 0, "p1"), ct);
        using var client = fixture.CreateClient();

        // Act
        using var response = await client.GetAsync(WidgetUrl("headers"), ct);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"\"r{revision}\"", response.Headers.ETag?.Tag);
        Assert.False(response.Headers.ETag?.IsWeak);
        Assert.Equal(revision.ToString(), Assert.Single(response.Headers.GetValues(WidgetApi.RevisionHeader)));
        var cacheControl = response.Headers.CacheControl!;
        Assert.True(cacheControl.Public);
        Assert.Equal(TimeSpan.FromSeconds(1), cacheControl.MaxAge);
        Assert.Equal("30", Assert.Single(cacheControl.Extensions, e => e.Name == "stale-while-revalidate").Value);
    }

    [Fact]
    public async Task GetWidget_IfNoneMatchOnCacheMiss_Returns304AndStoresNothing()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var revision = await fixture.UpsertAsync(CatalogOf("inm-miss", 0, "p1"), ct);
        using var client = fixture.CreateClient();
        var (missesBefore, hitsBefore) = (fixture.WidgetRequests("miss"), fixture.WidgetRequests("hit"));

        // Act
        using var notModified = await client.SendAsync(Get("inm-miss", ifNoneMatch: $"\"r{revision}\""), ct);
        var rendersAfterNotModified = fixture.WidgetRequests("miss") - missesBefore;
        using var full = await client.GetAsync(WidgetUrl("inm-miss"), ct);

        // Assert
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal($"\"r{revision}\"", notModified.Headers.ETag?.Tag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync(ct));
        Assert.Equal(0, rendersAfterNotModified);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Contains("\"p1\"", await full.Content.ReadAsStringAsync(ct));
        Assert.Equal(hitsBefore, fixture.WidgetRequests("hit"));
        Assert.Equal(missesBefore + 1, fixture.WidgetRequests("miss"));
    }

    [Fact]
    public async Task GetWidget_IfNoneMatchOnCacheHit_Returns304()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var revision = await fixture.UpsertAsync(CatalogOf("inm-hit", 0, "p1"), ct);
        using var client = fixture.CreateClient();
        var (missesBefore, notModifiedBefore) = (fixture.WidgetRequests("miss"), fixture.WidgetRequests("not_modified"));
        using var primed = await client.GetAsync(WidgetUrl("inm-hit"), ct);

        // Act
        using var response = await client.SendAsync(Get("inm-hit", ifNoneMatch: $"\"r{revision - 1}\", W/\"r{revision}\""), ct);

        // Assert
        Assert.Equal(HttpStatusCode.OK, primed.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal($"\"r{revision}\"", response.Headers.ETag?.Tag);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(ct));
        Assert.Equal(notModifiedBefore + 1, fixture.WidgetRequests("not_modified"));
        Assert.Equal(missesBefore + 1, fixture.WidgetRequests("miss"));
    }

    [Fact]
    public async Task GetWidget_IfNoneMatchOlderRevision_Returns200WithBody()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var old = await fixture.UpsertAsync(CatalogOf("inm-old", 0, "p1"), ct);
        var revision = await fixture.UpsertAsync(CatalogOf("inm-old", 0, "p2"), ct);
        using var client = fixture.CreateClient();
        var hitsBefore = fixture.WidgetRequests("hit");

        // Act
        using var miss = await client.SendAsync(Get("inm-old", ifNoneMatch: $"\"r{old}\""), ct);
        using var hit = await client.SendAsync(Get("inm-old", ifNoneMatch: $"\"r{old}\""), ct);

        // Assert
        foreach (var response in new[] { miss, hit })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"\"r{revision}\"", response.Headers.ETag?.Tag);
            Assert.Contains("\"p2\"", await response.Content.ReadAsStringAsync(ct));
        }

        Assert.Equal(hitsBefore + 1, fixture.WidgetRequests("hit"));
    }

    [Fact]
    public async Task GetWidget_UnknownCreator_Returns404Problem()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await fixture.UpsertAsync(CatalogOf("known", 0, "p1"), ct);
        using var client = fixture.CreateClient();
        var (missesBefore, notFoundBefore) = (fixture.WidgetRequests("miss"), fixture.WidgetRequests("not_found"));

        // Act
        using var response = await client.GetAsync(WidgetUrl("nobody"), ct);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("No such creator.", problem.RootElement.GetProperty("title").GetString());
        Assert.Null(response.Headers.ETag);
        Assert.Equal(missesBefore, fixture.WidgetRequests("miss"));
        Assert.Equal(notFoundBefore + 1, fixture.WidgetRequests("not_found"));
    }

    [Theory]
    [InlineData("-leading-dash")]
    [InlineData("has%20space")]
    [InlineData("%C3%A9t%C3%A9")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("KNOWN-CASE")]
    public async Task GetWidget_InvalidCreatorId_Returns404(string creatorId)
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await fixture.UpsertAsync(CatalogOf("known-case", 0, "p1"), ct);
        using var client = fixture.CreateClient();

        // Act
        using var response = await client.GetAsync(WidgetUrl(creatorId), ct);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GetWidget_CreatorsDifferingOnlyInCase_EachGetsItsOwnWidget()
    {
        // Arrange: ids are case-sensitive, and a snapshot may give both the same revision.
        var ct = TestContext.Current.CancellationToken;
        await fixture.ApplySnapshotAsync([CatalogOf("twin", 0, "lower"), CatalogOf("TWIN", 0, "upper")], ct);
        using var client = fixture.CreateClient();
        using var lower = await client.GetAsync(WidgetUrl("twin"), ct);

        // Act
        using var upper = await client.GetAsync(WidgetUrl("TWIN"), ct);

        // Assert
        Assert.Contains("\"creatorId\":\"twin\"", await lower.Content.ReadAsStringAsync(ct));
        Assert.Contains("\"creatorId\":\"TWIN\"", await upper.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task GetWidget_SameRevisionTwice_SecondServedFromCacheWithSameBytes()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await fixture.UpsertAsync(CatalogOf("twice", 0, "p1"), ct);
        using var client = fixture.CreateClient();
        var (missesBefore, hitsBefore) = (fixture.WidgetRequests("miss"), fixture.WidgetRequests("hit"));
        using var first = await client.GetAsync(WidgetUrl("twice"), ct);
        var firstBytes = await first.Content.ReadAsByteArrayAsync(ct);

        // Act
        using var second = await client.GetAsync(WidgetUrl("twice"), ct);
        var secondBytes = await second.Content.ReadAsByteArrayAsync(ct);

        // Assert
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstBytes, secondBytes);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        // Rendered once (a miss), then served from those bytes (a hit), and counted as such.
        Assert.Equal(missesBefore + 1, fixture.WidgetRequests("miss"));
        Assert.Equal(hitsBefore + 1, fixture.WidgetRequests("hit"));
    }

    [Fact]
    public async Task GetWidget_ReplicaSwappedWithoutEviction_ServesNewRevision()
    {
        // Arrange: a cached entry for the current revision.
        var ct = TestContext.Current.CancellationToken;
        var oldRevision = await fixture.UpsertAsync(CatalogOf("swap", 0, "old-product"), ct);
        using var client = fixture.CreateClient();
        var (missesBefore, hitsBefore) = (fixture.WidgetRequests("miss"), fixture.WidgetRequests("hit"));
        using var cached = await client.GetAsync(WidgetUrl("swap"), ct);
        using var cachedAgain = await client.GetAsync(WidgetUrl("swap"), ct);
        var evictionsBefore = fixture.CacheStore.EvictedTags.Count;

        // Act: bypass the updater, so nothing evicts the entry of the old revision.
        var current = fixture.Holder.Current;
        var newRevision = current.Revision + 1;
        fixture.Holder.Swap(current.ApplyBatch(Batch(current.Revision, newRevision, Upsert(CatalogOf("swap", newRevision, "new-product")))).Replica);
        using var response = await client.GetAsync(WidgetUrl("swap"), ct);
        var body = await response.Content.ReadAsStringAsync(ct);

        // Assert: the old entry was there (a hit), nothing evicted it, yet the key moved on.
        Assert.Equal(oldRevision.ToString(), Assert.Single(cachedAgain.Headers.GetValues(WidgetApi.RevisionHeader)));
        Assert.Equal(hitsBefore + 1, fixture.WidgetRequests("hit"));
        Assert.Equal(evictionsBefore, fixture.CacheStore.EvictedTags.Count);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(newRevision.ToString(), Assert.Single(response.Headers.GetValues(WidgetApi.RevisionHeader)));
        Assert.Contains("\"new-product\"", body);
        Assert.DoesNotContain("old-product", body);
        Assert.Equal(missesBefore + 2, fixture.WidgetRequests("miss"));
    }

    [Fact]
    public async Task GetWidget_AfterUpdateOfOneCreator_ServesItsNewWidgetAndKeepsOthersCached()
    {
        // Arrange: both widgets cached.
        var ct = TestContext.Current.CancellationToken;
        await fixture.UpsertAsync(CatalogOf("creator-a", 0, "a-old"), ct);
        var revisionB = await fixture.UpsertAsync(CatalogOf("creator-b", 0, "b-only"), ct);
        using var client = fixture.CreateClient();
        using var a1 = await client.GetAsync(WidgetUrl("creator-a"), ct);
        using var b1 = await client.GetAsync(WidgetUrl("creator-b"), ct);
        var bBytes = await b1.Content.ReadAsByteArrayAsync(ct);
        var evictionsBefore = fixture.CacheStore.EvictedTags.Count;
        var (hitsBefore, missesBefore) = (fixture.WidgetRequests("hit"), fixture.WidgetRequests("miss"));

        // Act
        var revisionA = await fixture.UpsertAsync(CatalogOf("creator-a", 0, "a-new"), ct);
        using var a2 = await client.GetAsync(WidgetUrl("creator-a"), ct);
        using var b2 = await client.GetAsync(WidgetUrl("creator-b"), ct);

        // Assert: exactly A's tag evicted; A's new widget at once; B still served from its entry.
        Assert.Equal([CatalogCacheTags.Creator("creator-a")], fixture.CacheStore.EvictedTags.Skip(evictionsBefore));
        Assert.Equal(revisionA.ToString(), Assert.Single(a2.Headers.GetValues(WidgetApi.RevisionHeader)));
        Assert.Contains("\"a-new\"", await a2.Content.ReadAsStringAsync(ct));
        // A rendered its new revision (one miss); B's bytes were served again (one hit).
        Assert.Equal(missesBefore + 1, fixture.WidgetRequests("miss"));
        Assert.Equal(hitsBefore + 1, fixture.WidgetRequests("hit"));
        Assert.Equal(revisionB.ToString(), Assert.Single(b2.Headers.GetValues(WidgetApi.RevisionHeader)));
        Assert.Equal(bBytes, await b2.Content.ReadAsByteArrayAsync(ct));
    }

    [Fact]
    public async Task GetWidget_AfterCreatorDeleted_Returns404()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await fixture.UpsertAsync(CatalogOf("gone", 0, "p1"), ct);
        using var client = fixture.CreateClient();
        using var cached = await client.GetAsync(WidgetUrl("gone"), ct);
        var evictionsBefore = fixture.CacheStore.EvictedTags.Count;

        // Act
        await fixture.DeleteAsync("gone", ct);
        using var response = await client.GetAsync(WidgetUrl("gone"), ct);

        // Assert
        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal([CatalogCacheTags.Creator("gone")], fixture.CacheStore.EvictedTags.Skip(evictionsBefore));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static string WidgetUrl(string creatorId) => $"/v1/creators/{creatorId}/widget";

    private static HttpRequestMessage Get(string creatorId, string ifNoneMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, WidgetUrl(creatorId));
        request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return request;
    }
}
