using System.Net;
using System.Net.Http.Headers;
using EdgeCommerce.Tests.Common;
using EdgeCommerce.Tests.Common.Drops;

namespace EdgeCommerce.FunctionalTests.Security;

/// <summary>
/// Bounded work for anonymous callers over real processes and sockets: the per-client cap on a
/// drop's server-sent event streams (the slot comes back when the client closes its connection),
/// and the failed-authentication limit (after a flood of forged tokens from this address, a fresh
/// valid token is refused unchecked while a token validated before keeps working).
/// </summary>
public sealed class BoundedWorkTests
{
    private const string Creator = "bounds-creator";
    private const string DropId = "bounds-drop";

    [Fact(Timeout = 120_000)]
    public async Task StreamDrop_OverThePerClientCap_503_ClosingOneLetsANewOneIn()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var edge = await origin.StartEdgeAsync("edge-bounds-1", "eu-west", data.Combine("edge"), cancellationToken, settings: ["--Streams:MaxPerClient=2"]);
        await PutDropAsync(origin, cancellationToken);
        await edge.WaitUntilAsync(async () => (await edge.Http.GetAsync($"/v1/drops/{DropId}", cancellationToken)).IsSuccessStatusCode, "the drop on the edge", cancellationToken);
        var first = await OpenAsync(edge, cancellationToken);
        using var second = await OpenAsync(edge, cancellationToken);

        // Act
        using var third = await OpenAsync(edge, cancellationToken);
        first.Dispose();
        HttpResponseMessage? again = null;
        await edge.WaitUntilAsync(async () =>
        {
            again?.Dispose();
            again = await OpenAsync(edge, cancellationToken);
            return again.StatusCode == HttpStatusCode.OK;
        }, "a stream after one closed", cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, third.StatusCode);
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, again!.StatusCode);
        again.Dispose();
    }

    [Fact(Timeout = 120_000)]
    public async Task Me_AfterFloodOfForgedTokens_FreshTokenRefusedUnchecked_CachedTokenStillWorks()
    {
        // Arrange: three failures allowed per minute from this address.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var edge = await origin.StartEdgeAsync("edge-bounds-2", "eu-west", data.Combine("edge"), cancellationToken,
            settings: ["--Auth:FailedAuthenticationLimit=3", "--Auth:FailedAuthenticationWindow=00:01:00"]);
        await edge.WaitForStatusAsync(static s => s.GetProperty("ready").GetBoolean(), TimeSpan.FromSeconds(30), "first snapshot", cancellationToken);
        var signedInEarlier = await origin.MintTokenAsync("viewer-a", Creator, ["recs:read"], "edge", cancellationToken);
        var fresh = await origin.MintTokenAsync("viewer-b", Creator, ["recs:read"], "edge", cancellationToken);
        var before = await MeAsync(edge, signedInEarlier, cancellationToken);
        var forged = fresh[..^4] + (fresh.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        // Act
        var flood = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            flood.Add(await MeAsync(edge, forged, cancellationToken));
        }

        var freshAfter = await MeAsync(edge, fresh, cancellationToken);
        var earlierAfter = await MeAsync(edge, signedInEarlier, cancellationToken);

        // Assert: the same one 401 for the flood and the unchecked fresh token.
        Assert.Equal(HttpStatusCode.OK, before);
        Assert.All(flood, static status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.Unauthorized, freshAfter);
        Assert.Equal(HttpStatusCode.OK, earlierAfter);
    }

    private static async Task<HttpStatusCode> MeAsync(EdgeNode edge, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        using var response = await edge.Http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> OpenAsync(EdgeNode edge, CancellationToken cancellationToken)
        => edge.Http.GetAsync($"/v1/drops/{DropId}/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    private static async Task PutDropAsync(OriginNode origin, CancellationToken cancellationToken)
    {
        await origin.PushSkusAsync(Creator, cancellationToken, "tee-01-m");
        var startsAt = DateTimeOffset.UtcNow.AddHours(1);
        await origin.PutDropAsync(Creator, DropId, DropAdmin.DropJson("Bounded drop", startsAt, startsAt.AddHours(2), 1, ("tee-01-m", 10)), cancellationToken);
    }
}
