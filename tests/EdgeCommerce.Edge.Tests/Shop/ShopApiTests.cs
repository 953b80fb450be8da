using System.Net;
using System.Text.Json;
using EdgeCommerce.Edge.Shop;

namespace EdgeCommerce.Edge.Tests.Shop;

/// <summary>
/// The shop's HTTP surface on the in-memory edge: the widget's HTML fragment escapes every catalog
/// string, CORS answers only the creator's own site, the page carries its strict policy, and bad
/// input gets a 404 (page or problem), never a 500.
/// </summary>
public sealed class ShopApiTests(ShopFixture fixture) : IClassFixture<ShopFixture>, IDisposable
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    public void Dispose() => Assert.Empty(fixture.Edge.ErrorLogs);

    [Theory]
    [InlineData("text/html")]
    [InlineData("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")]
    public async Task GetWidget_AcceptHtml_FragmentWithEveryCatalogStringEscaped(string accept)
    {
        // Arrange
        using var client = fixture.Edge.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/creators/{ShopFixture.CreatorA}/widget");
        request.Headers.TryAddWithoutValidation("Accept", accept);

        // Act
        using var response = await client.SendAsync(request, CancellationToken);
        var html = await response.Content.ReadAsStringAsync(CancellationToken);

        // Assert: the hostile strings are text, not markup.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\"r1-html\"", response.Headers.ETag?.Tag);
        Assert.Contains("Accept", response.Headers.Vary);
        Assert.Contains("Origin", response.Headers.Vary);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Jerry's", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; Tom &amp; Jerry&#x27;s &quot;best&quot;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;/li&gt;&lt;/ul&gt;&lt;iframe src=//evil.example&gt;&amp;amp;", html, StringComparison.Ordinal);
        // Only the same-site image became an <img>; prices by the currency's minor unit.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<img "));
        Assert.Contains("src=\"/images/demo/cap.svg\"", html, StringComparison.Ordinal);
        Assert.Contains(">25.00 EUR<", html, StringComparison.Ordinal);
        Assert.Contains(">1500 JPY<", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("*/*")]
    [InlineData("application/json")]
    [InlineData("application/json, text/html")]
    public async Task GetWidget_NoHtmlPreference_JsonAsBefore(string? accept)
    {
        // Arrange
        using var client = fixture.Edge.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/creators/{ShopFixture.CreatorA}/widget");
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        // Act
        using var response = await client.SendAsync(request, CancellationToken);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken));

        // Assert: JSON escapes for JSON; the title round-trips exactly.
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\"r1\"", response.Headers.ETag?.Tag);
        Assert.Equal(ShopFixture.HostileTitle, json.RootElement.GetProperty("products")[0].GetProperty("title").GetString());
    }

    [Fact]
    public async Task GetWidget_JsonETagAgainstHtml_Returns200NotA304()
    {
        // Arrange: a cache holding the JSON must not get a 304 for the HTML (two representations, two tags).
        using var client = fixture.Edge.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/creators/{ShopFixture.CreatorA}/widget");
        request.Headers.TryAddWithoutValidation("Accept", "text/html");
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"r1\"");
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/v1/creators/{ShopFixture.CreatorA}/widget");
        again.Headers.TryAddWithoutValidation("Accept", "text/html");
        again.Headers.TryAddWithoutValidation("If-None-Match", "\"r1-html\"");

        // Act
        using var response = await client.SendAsync(request, CancellationToken);
        using var revalidated = await client.SendAsync(again, CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Theory]
    [InlineData(ShopFixture.SiteA, true)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData(ShopFixture.SiteB, false)] // another creator's site
    [InlineData("https://evil.example", false)]
    [InlineData("https://creator.example.evil.example", false)]
    [InlineData("http://creator.example", false)] // same host, other scheme
    [InlineData("null", false)]
    public async Task GetWidget_Origin_AllowOriginOnlyForTheCreatorsSite(string origin, bool allowed)
    {
        // Arrange
        using var client = fixture.Edge.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/creators/{ShopFixture.CreatorA}/widget");
        request.Headers.TryAddWithoutValidation("Origin", origin);

        // Act
        using var response = await client.SendAsync(request, CancellationToken);

        // Assert: the widget is public (200 either way); only the browser's permission to read it differs.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (allowed)
        {
            Assert.Equal(origin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        }
        else
        {
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }
    }

    [Theory]
    [InlineData("/v1/recommendations?creatorId=shop-a&k=4", "GET")]
    [InlineData("/v1/drops/a-now/reservations", "POST")]
    [InlineData("/v1/drops/a-now/stream", "GET")]
    [InlineData("/v1/creators/shop-a/drops", "GET")]
    public async Task Preflight_CreatorsSite_Allowed_OtherSitesRefused(string path, string method)
    {
        // Arrange
        using var client = fixture.Edge.CreateClient();

        // Act
        using var allowed = await client.SendAsync(Preflight(path, ShopFixture.SiteA, method), CancellationToken);
        using var otherCreator = await client.SendAsync(Preflight(path, ShopFixture.SiteB, method), CancellationToken);
        using var evil = await client.SendAsync(Preflight(path, "https://evil.example", method), CancellationToken);

        // Assert: the site may send a token and an idempotency key; other sites get no permission at all.
        Assert.True(allowed.IsSuccessStatusCode, $"{(int)allowed.StatusCode}");
        Assert.Equal(ShopFixture.SiteA, Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        var allowHeaders = string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        Assert.Contains("authorization", allowHeaders, StringComparison.Ordinal);
        Assert.Contains("idempotency-key", allowHeaders, StringComparison.Ordinal);
        foreach (var refused in new[] { otherCreator, evil })
        {
            Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
            Assert.False(refused.Headers.Contains("Access-Control-Allow-Methods"));
            Assert.False(refused.Headers.Contains("Access-Control-Allow-Headers"));
        }
    }

    [Fact]
    public async Task Preflight_UnknownDrop_Refused()
    {
        // Arrange
        using var client = fixture.Edge.CreateClient();

        // Act
        using var response = await client.SendAsync(Preflight("/v1/drops/nope/reservations", ShopFixture.SiteA, "POST"), CancellationToken);

        // Assert
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task GetPage_KnownCreator_StrictPolicyFramedOnlyByTheSiteAndWidgetInline()
    {
        // Arrange
        using var client = fixture.Edge.CreateClient();

        // Act
        using var response = await client.GetAsync($"/shop/{ShopFixture.CreatorA}", CancellationToken);
        var html = await response.Content.ReadAsStringAsync(CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Equal(ShopApi.PagePolicy + " https://creator.example http://127.0.0.1:8080", policy);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        // No inline script or style, nothing from elsewhere; the widget is in the page, escaped.
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<style", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html.Replace("https://creator.example", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("<script src=\"/shop/assets/shop.js\" defer></script>", html, StringComparison.Ordinal);
        Assert.Contains("data-product-id=\"evil\"", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&quot;pwned&quot;)", html, StringComparison.Ordinal);
        Assert.Contains("data-site-origins=\"https://creator.example http://127.0.0.1:8080\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/shop/nobody")]
    [InlineData("/shop/%3Cscript%3E")]
    [InlineData("/shop/" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task GetPage_UnknownOrInvalidCreator_404PageWithThePolicy(string path)
    {
        // Arrange
        using var client = fixture.Edge.CreateClient();

        // Act
        using var response = await client.GetAsync(path, CancellationToken);
        var html = await response.Content.ReadAsStringAsync(CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith(ShopApi.PagePolicy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListDrops_CurrentFirstThenNext_ClosedLeftOut()
    {
        // Arrange
        using var client = fixture.Edge.CreateClient();

        // Act
        using var response = await client.GetAsync($"/v1/creators/{ShopFixture.CreatorA}/drops", CancellationToken);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=2", response.Headers.CacheControl?.ToString());
        var drops = json.RootElement.GetProperty("drops").EnumerateArray().Select(static d => (d.GetProperty("dropId").GetString(), d.GetProperty("phase").GetString())).ToList();
        Assert.Equal([("a-now", "open"), ("a-next", "scheduled")], drops);
    }

    [Theory]
    [InlineData("/v1/creators/nobody/drops")]
    [InlineData("/v1/creators/bad%20id/drops")]
    public async Task ListDrops_UnknownOrInvalidCreator_404Problem(string path)
    {
        // Arrange
        using var client = fixture.Edge.CreateClient();

        // Act
        using var response = await client.GetAsync(path, CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/shop/assets/shop.js", "text/javascript")]
    [InlineData("/shop/assets/shop.css", "text/css")]
    [InlineData("/embed.js", "text/javascript")]
    public async Task GetAsset_ServedByTheEdge_NosniffAndRevalidatable(string path, string mediaType)
    {
        // Arrange
        using var client = fixture.Edge.CreateClient();

        // Act
        using var response = await client.GetAsync(path, CancellationToken);
        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.TryAddWithoutValidation("If-None-Match", response.Headers.ETag!.Tag);
        using var revalidated = await client.SendAsync(again, CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    private static HttpRequestMessage Preflight(string path, string origin, string method)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.TryAddWithoutValidation("Origin", origin);
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", method);
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "authorization, content-type, idempotency-key");
        return request;
    }
}
