using System.Net;
using System.Net.Http.Headers;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Security;

/// <summary>
/// Personal endpoints are rate-limited per viewer and per creator on the validated token, over real
/// processes. Buckets refill one token per 20 s here, so within the test nothing refills and each
/// answer is determined by the counts alone. Caught, while it was built: a refused viewer charging
/// its creator's bucket twice (B was refused outright).
/// </summary>
public sealed class RateLimitTests
{
    [Fact(Timeout = 120_000)]
    public async Task PersonalEndpoint_ViewerAndCreatorBuckets_429WithRetryAfter_OtherCreatorsUnaffected()
    {
        // Arrange: 3 per viewer, 5 per creator.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var edge = await origin.StartEdgeAsync("edge-limits", "eu-west", data.Combine("edge"), cancellationToken, settings:
            ["--RateLimits:ViewerBurst=3", "--RateLimits:ViewerPerSecond=0.05", "--RateLimits:CreatorBurst=5", "--RateLimits:CreatorPerSecond=0.05"]);
        await edge.WaitForStatusAsync(static s => s.GetProperty("ready").GetBoolean(), TimeSpan.FromSeconds(30), "first snapshot", cancellationToken);
        var viewerA = await origin.MintTokenAsync("viewer-a", "creator-1", ["recs:read"], "edge", cancellationToken);
        var viewerB = await origin.MintTokenAsync("viewer-b", "creator-1", ["recs:read"], "edge", cancellationToken);
        var otherCreator = await origin.MintTokenAsync("viewer-a", "creator-2", ["recs:read"], "edge", cancellationToken);

        // Act
        var a = await SendAsync(edge, viewerA, 4, cancellationToken);
        var b = await SendAsync(edge, viewerB, 3, cancellationToken);
        var other = await SendAsync(edge, otherCreator, 3, cancellationToken);
        var forged = await SendAsync(edge, viewerA[..^4] + "AAAA", 1, cancellationToken);

        // Assert: A gets its 3, the 4th is refused; B gets the 2 its creator has left; creator 2
        // and its viewer (same subject, other tenant) are untouched; a forged token is 401, not 429.
        Assert.Equal([200, 200, 200, 429], a.Select(static r => r.Status));
        Assert.Equal([200, 200, 429], b.Select(static r => r.Status));
        Assert.Equal([200, 200, 200], other.Select(static r => r.Status));
        Assert.Equal([401], forged.Select(static r => r.Status));
        var retryAfter = a[^1].RetryAfter;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, 1, 20);
    }

    private static async Task<List<(int Status, int? RetryAfter)>> SendAsync(EdgeNode edge, string token, int count, CancellationToken cancellationToken)
    {
        var results = new List<(int, int?)>();
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
            using var response = await edge.Http.SendAsync(request, cancellationToken);
            var retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int?)delta.TotalSeconds : null;
            results.Add(((int)response.StatusCode, retryAfter));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        return results;
    }
}
