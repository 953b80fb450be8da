using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Origin.Storage;
using static EdgeCommerce.Origin.Tests.CatalogAdmin.CatalogSamples;

namespace EdgeCommerce.Origin.Tests.CatalogAdmin;

/// <summary>The admin catalog API over an in-memory host with a real SQLite file.</summary>
public sealed class CatalogAdminApiTests(OriginApiFixture fixture) : IClassFixture<OriginApiFixture>, IDisposable
{
    private readonly HttpClient _client = fixture.CreateClient();
    private readonly int _errorLogsBefore = fixture.ErrorLogs.Count;

    public void Dispose()
    {
        _client.Dispose();
        // Any unexpected Error-level log fails the test: a bad request must never turn into a 500.
        Assert.Empty(fixture.ErrorLogs.Skip(_errorLogsBefore));
    }

    [Fact]
    public async Task PutCatalog_ValidCatalog_Returns200WithRevisionAndETag()
    {
        // Arrange
        var creatorId = NewCreatorId();
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await PutAsync(creatorId, ValidCatalog());

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(creatorId, body.GetProperty("creatorId").GetString());
        Assert.Equal(head + 1, body.GetProperty("revision").GetInt64());
        Assert.Equal($"\"r{head + 1}\"", response.Headers.ETag?.ToString());
        Assert.Equal(head + 1, await fixture.GetHeadRevisionAsync());
    }

    [Fact]
    public async Task GetCatalog_AfterPut_ReturnsCanonicalDocumentWithETag()
    {
        // Arrange: fields out of order, extra whitespace, attributes unsorted.
        var creatorId = NewCreatorId();
        var pushed = """
            { "products": [ { "skus": [ {"label": "M", "id": "p1-m"} ], "title": "Tour hoodie", "id": "p1",
                "price": {"currency": "EUR", "amountMinor": 5900}, "attributes": {"size": "M", "color": "black"} } ] }
            """;
        var revision = await PutValidAsync(creatorId, pushed);

        // Act
        using var response = await _client.GetAsync(CatalogUrl(creatorId), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"\"r{revision}\"", response.Headers.ETag?.ToString());
        Assert.Equal(
            """{"products":[{"id":"p1","title":"Tour hoodie","description":"","imageUrl":"","price":{"amountMinor":5900,"currency":"EUR"},"attributes":{"color":"black","size":"M"},"skus":[{"id":"p1-m","label":"M"}]}]}""",
            await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PutCatalog_IdenticalCatalogAgain_ReturnsCurrentRevisionWithoutNewChange()
    {
        // Arrange: the same catalog in another layout is still the same catalog.
        var creatorId = NewCreatorId();
        var revision = await PutValidAsync(creatorId, Catalog(Product(attributes: """{"b": "2", "a": "1"}""")));
        var head = await fixture.GetHeadRevisionAsync();
        var relaid = "\n" + Catalog(Product(attributes: """{"a": "1", "b": "2"}""")).Replace(", ", ",\n    ");

        // Act
        using var response = await PutAsync(creatorId, relaid);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(revision, (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("revision").GetInt64());
        Assert.Equal($"\"r{revision}\"", response.Headers.ETag?.ToString());
        Assert.Equal(head, await fixture.GetHeadRevisionAsync());
        Assert.Empty(await fixture.Store.ReadChangesAsync(head, 10, TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(CatalogSamples.BadCatalogs), MemberType = typeof(CatalogSamples))]
    public async Task PutCatalog_BadCatalog_Returns422WithEveryPathAndStoresNothing(string scenario, string body, string[] expectedKeys)
    {
        // Arrange
        var creatorId = NewCreatorId();
        var revision = await PutValidAsync(creatorId, ValidCatalog());
        var stored = await GetBodyAsync(creatorId);
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await PutAsync(creatorId, body);

        // Assert
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.True(problem.TryGetProperty("errors", out var errors), scenario);
        Assert.Equal(expectedKeys.Order(StringComparer.Ordinal), errors.EnumerateObject().Select(static p => p.Name).Order(StringComparer.Ordinal));
        await AssertNothingStoredAsync(creatorId, revision, stored, head);
        await AssertStillServingAsync(creatorId);
    }

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "empty body", "" },
        { "unclosed object", "{" },
        { "unclosed array", """{"products": [}""" },
        { "trailing comma", """{"products": [],}""" },
        { "comment", """{"products": []} // all""" },
        { "single quotes", "{'products': []}" },
        { "NaN", "NaN" },
        { "two documents", """{"products": []} {}""" },
        { "unquoted name", "{products: []}" },
        { "deeper than 16 levels", "{\"products\": " + new string('[', 16) + new string(']', 16) + "}" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task PutCatalog_MalformedJson_Returns400AndStoresNothing(string scenario, string body)
    {
        // Arrange
        var creatorId = NewCreatorId();
        var revision = await PutValidAsync(creatorId, ValidCatalog());
        var stored = await GetBodyAsync(creatorId);
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await PutAsync(creatorId, body);

        // Assert
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.False(problem.TryGetProperty("errors", out _), scenario);
        await AssertNothingStoredAsync(creatorId, revision, stored, head);
        await AssertStillServingAsync(creatorId);
    }

    [Fact]
    public async Task PutCatalog_LoneSurrogatePropertyName_Returns422NotAServerError()
    {
        // Arrange
        var creatorId = NewCreatorId();
        var revision = await PutValidAsync(creatorId, ValidCatalog());
        var stored = await GetBodyAsync(creatorId);
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await PutAsync(creatorId, """{"products": [], "\ud800": 1}""");

        // Assert
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["$"], problem.GetProperty("errors").EnumerateObject().Select(static p => p.Name));
        await AssertNothingStoredAsync(creatorId, revision, stored, head);
    }

    [Fact]
    public async Task PutCatalog_InvalidUtf8InAString_Returns422ForThatField()
    {
        // Arrange
        var creatorId = NewCreatorId();
        var head = await fixture.GetHeadRevisionAsync();
        byte[] body = [.. Encoding.UTF8.GetBytes(Catalog(Product(title: "\"T@\"")))];
        body[Array.IndexOf(body, (byte)'@')] = 0xFF;

        // Act
        using var response = await PutAsync(creatorId, new ByteArrayContent(body), "application/json");

        // Assert
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["products[0].title"], problem.GetProperty("errors").EnumerateObject().Select(static p => p.Name));
        Assert.Equal(head, await fixture.GetHeadRevisionAsync());
    }

    [Fact]
    public async Task PutCatalog_BodyOverLimitWithContentLength_Returns413AndStoresNothing()
    {
        // Arrange: valid JSON, one byte over the limit (padding is whitespace).
        var creatorId = NewCreatorId();
        var revision = await PutValidAsync(creatorId, ValidCatalog());
        var stored = await GetBodyAsync(creatorId);
        var head = await fixture.GetHeadRevisionAsync();
        var body = Pad(ValidCatalog("Bigger"), OriginApiFixture.MaxBodyBytes + 1);

        // Act
        using var response = await PutAsync(creatorId, body);

        // Assert
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        await AssertNothingStoredAsync(creatorId, revision, stored, head);
        await AssertStillServingAsync(creatorId);
    }

    [Fact]
    public async Task PutCatalog_ChunkedBodyOverLimit_Returns413AndStoresNothing()
    {
        // Arrange: no Content-Length, so the limit is enforced while reading.
        var creatorId = NewCreatorId();
        var revision = await PutValidAsync(creatorId, ValidCatalog());
        var stored = await GetBodyAsync(creatorId);
        var head = await fixture.GetHeadRevisionAsync();
        var content = new StreamContent(new UnseekableStream(Encoding.UTF8.GetBytes(Pad(ValidCatalog("Bigger"), (OriginApiFixture.MaxBodyBytes * 2) + 7))));

        // Act
        using var response = await PutAsync(creatorId, content, "application/json");

        // Assert
        Assert.Null(content.Headers.ContentLength);
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        await AssertNothingStoredAsync(creatorId, revision, stored, head);
        await AssertStillServingAsync(creatorId);
    }

    [Fact]
    public async Task PutCatalog_BodyExactlyAtLimit_IsAccepted()
    {
        // Arrange
        var creatorId = NewCreatorId();
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await PutAsync(creatorId, Pad(ValidCatalog(), OriginApiFixture.MaxBodyBytes));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(head + 1, await fixture.GetHeadRevisionAsync());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task PutCatalog_NonJsonContentType_Returns415AndStoresNothing(string? contentType)
    {
        // Arrange
        var creatorId = NewCreatorId();
        var revision = await PutValidAsync(creatorId, ValidCatalog());
        var stored = await GetBodyAsync(creatorId);
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await PutAsync(creatorId, new ByteArrayContent(Encoding.UTF8.GetBytes(ValidCatalog("Other"))), contentType);

        // Assert
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        await AssertNothingStoredAsync(creatorId, revision, stored, head);
        await AssertStillServingAsync(creatorId);
    }

    [Fact]
    public async Task PutCatalog_JsonWithCharset_IsAccepted()
    {
        // Arrange
        var creatorId = NewCreatorId();

        // Act
        using var response = await PutAsync(creatorId, new StringContent(ValidCatalog(), Encoding.UTF8), "application/json; charset=utf-8");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("bad%20id")]
    [InlineData("-leading-dash")]
    [InlineData("_leading-underscore")]
    [InlineData("caf%C3%A9")]
    [InlineData("a%2Fb")]
    [InlineData("ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc")]
    public async Task PutCatalog_InvalidCreatorId_Returns400AndStoresNothing(string creatorIdInUrl)
    {
        // Arrange
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await PutAsync(creatorIdInUrl, ValidCatalog());

        // Assert
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["creatorId"], problem.GetProperty("errors").EnumerateObject().Select(static p => p.Name));
        Assert.Equal(head, await fixture.GetHeadRevisionAsync());
        await AssertStillServingAsync(NewCreatorId());
    }

    [Fact]
    public async Task PutCatalog_StaleIfMatch_Returns412AndStoresNothing()
    {
        // Arrange: two admins read r1; one writes r2; the other still names r1.
        var creatorId = NewCreatorId();
        var first = await PutValidAsync(creatorId, ValidCatalog("First"));
        var second = await PutValidAsync(creatorId, ValidCatalog("Second"));
        var stored = await GetBodyAsync(creatorId);
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await PutAsync(creatorId, ValidCatalog("Third"), ifMatch: $"\"r{first}\"");

        // Assert
        await AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        await AssertNothingStoredAsync(creatorId, second, stored, head);
    }

    [Fact]
    public async Task PutCatalog_CurrentIfMatch_Returns200WithNextRevision()
    {
        // Arrange
        var creatorId = NewCreatorId();
        var current = await PutValidAsync(creatorId, ValidCatalog("First"));

        // Act
        using var response = await PutAsync(creatorId, ValidCatalog("Second"), ifMatch: $"\"r{current}\"");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var revision = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("revision").GetInt64();
        Assert.Equal(await fixture.GetHeadRevisionAsync(), revision);
        Assert.Equal($"\"r{revision}\"", response.Headers.ETag?.ToString());
        Assert.Contains("Second", await GetBodyAsync(creatorId), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("W/\"r{0}\"")]
    [InlineData("r{0}")]
    [InlineData("\"x{0}\"")]
    public async Task PutCatalog_IfMatchNotAStrongRevisionTag_Returns412(string ifMatchFormat)
    {
        // Arrange: If-Match compares strongly (RFC 9110 13.1.1): a weak or malformed tag never matches.
        var creatorId = NewCreatorId();
        var current = await PutValidAsync(creatorId, ValidCatalog("First"));
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await PutAsync(creatorId, ValidCatalog("Second"), ifMatch: string.Format(ifMatchFormat, current));

        // Assert
        await AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Equal(head, await fixture.GetHeadRevisionAsync());
    }

    [Fact]
    public async Task PutCatalog_IfMatchOnMissingCreator_Returns412AndCreatesNothing()
    {
        // Arrange
        var creatorId = NewCreatorId();
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await PutAsync(creatorId, ValidCatalog(), ifMatch: $"\"r{head}\"");

        // Assert
        await AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync(CatalogUrl(creatorId), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(head, await fixture.GetHeadRevisionAsync());
    }

    [Theory]
    [InlineData("\"r{0}\"")]
    [InlineData("W/\"r{0}\"")]
    [InlineData("\"r0\", \"r{0}\"")]
    [InlineData("*")]
    public async Task GetCatalog_IfNoneMatchCurrent_Returns304WithETag(string ifNoneMatchFormat)
    {
        // Arrange
        var creatorId = NewCreatorId();
        var revision = await PutValidAsync(creatorId, ValidCatalog());
        using var request = new HttpRequestMessage(HttpMethod.Get, CatalogUrl(creatorId));
        request.Headers.TryAddWithoutValidation("If-None-Match", string.Format(ifNoneMatchFormat, revision));

        // Act
        using var response = await _client.SendAsync(request, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal($"\"r{revision}\"", response.Headers.ETag?.ToString());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetCatalog_IfNoneMatchStale_Returns200WithCurrentDocument()
    {
        // Arrange
        var creatorId = NewCreatorId();
        var first = await PutValidAsync(creatorId, ValidCatalog("First"));
        var second = await PutValidAsync(creatorId, ValidCatalog("Second"));
        using var request = new HttpRequestMessage(HttpMethod.Get, CatalogUrl(creatorId));
        request.Headers.TryAddWithoutValidation("If-None-Match", $"\"r{first}\"");

        // Act
        using var response = await _client.SendAsync(request, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"\"r{second}\"", response.Headers.ETag?.ToString());
        Assert.Contains("Second", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("never-pushed")]
    [InlineData("bad%20id")]
    public async Task GetCatalog_UnknownOrInvalidCreator_Returns404(string creatorId)
    {
        // Arrange, Act
        using var response = await _client.GetAsync(CatalogUrl(creatorId), TestContext.Current.CancellationToken);

        // Assert
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListCreators_AfterPuts_ListsEachCreatorWithRevisionAndProductCount()
    {
        // Arrange
        var one = NewCreatorId();
        var two = NewCreatorId();
        var oneRevision = await PutValidAsync(one, ValidCatalog());
        var twoRevision = await PutValidAsync(two, Catalog(Product(), Product(id: "\"p2\"", skus: "[" + Sku("p2-m", "M") + "]")));

        // Act
        using var response = await _client.GetAsync("/admin/v1/creators", TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var creators = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("creators").EnumerateArray()
            .Select(static c => (Id: c.GetProperty("id").GetString()!, Revision: c.GetProperty("revision").GetInt64(), Products: c.GetProperty("products").GetInt32()))
            .ToList();
        Assert.Contains((one, oneRevision, 1), creators);
        Assert.Contains((two, twoRevision, 2), creators);
        Assert.Equal(creators.Select(static c => c.Id).Order(StringComparer.Ordinal), creators.Select(static c => c.Id));
    }

    [Fact]
    public async Task DeleteCreator_Existing_TakesANewRevisionThenGetAndDeleteAnswer404()
    {
        // Arrange
        var creatorId = NewCreatorId();
        await PutValidAsync(creatorId, ValidCatalog());
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var deleted = await _client.DeleteAsync(CreatorUrl(creatorId), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var body = await deleted.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(creatorId, body.GetProperty("creatorId").GetString());
        Assert.Equal(head + 1, body.GetProperty("revision").GetInt64());
        Assert.Equal(head + 1, await fixture.GetHeadRevisionAsync());
        var change = Assert.Single(await fixture.Store.ReadChangesAsync(head, 10, TestContext.Current.CancellationToken));
        Assert.Equal((head + 1, creatorId, ChangeKind.CreatorDeleted), (change.Revision, change.CreatorId, change.Kind));

        await AssertProblemAsync(await _client.GetAsync(CatalogUrl(creatorId), TestContext.Current.CancellationToken), HttpStatusCode.NotFound);
        await AssertProblemAsync(await _client.DeleteAsync(CreatorUrl(creatorId), TestContext.Current.CancellationToken), HttpStatusCode.NotFound);
        var list = await _client.GetFromJsonAsync<JsonElement>("/admin/v1/creators", TestContext.Current.CancellationToken);
        Assert.DoesNotContain(list.GetProperty("creators").EnumerateArray(), c => c.GetProperty("id").GetString() == creatorId);
        Assert.Equal(head + 1, await fixture.GetHeadRevisionAsync());
    }

    [Fact]
    public async Task PutCatalog_SameCatalogAfterDelete_TakesANewRevision()
    {
        // Arrange: "identical" compares with the current catalog; a deleted creator has none.
        var creatorId = NewCreatorId();
        var first = await PutValidAsync(creatorId, ValidCatalog());
        (await _client.DeleteAsync(CreatorUrl(creatorId), TestContext.Current.CancellationToken)).Dispose();

        // Act
        var again = await PutValidAsync(creatorId, ValidCatalog());

        // Assert
        Assert.Equal(first + 2, again);
    }

    [Fact]
    public async Task DeleteCreator_StaleIfMatch_Returns412AndKeepsTheCreator()
    {
        // Arrange
        var creatorId = NewCreatorId();
        var first = await PutValidAsync(creatorId, ValidCatalog("First"));
        var second = await PutValidAsync(creatorId, ValidCatalog("Second"));
        var stored = await GetBodyAsync(creatorId);
        var head = await fixture.GetHeadRevisionAsync();
        using var request = new HttpRequestMessage(HttpMethod.Delete, CreatorUrl(creatorId));
        request.Headers.TryAddWithoutValidation("If-Match", $"\"r{first}\"");

        // Act
        using var response = await _client.SendAsync(request, TestContext.Current.CancellationToken);

        // Assert
        await AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        await AssertNothingStoredAsync(creatorId, second, stored, head);
    }

    [Fact]
    public async Task DeleteCreator_CurrentIfMatch_Deletes()
    {
        // Arrange
        var creatorId = NewCreatorId();
        var current = await PutValidAsync(creatorId, ValidCatalog());
        using var request = new HttpRequestMessage(HttpMethod.Delete, CreatorUrl(creatorId));
        request.Headers.TryAddWithoutValidation("If-Match", $"\"r{current}\"");

        // Act
        using var response = await _client.SendAsync(request, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync(CatalogUrl(creatorId), TestContext.Current.CancellationToken)).StatusCode);
    }

    private static string NewCreatorId() => "creator-" + Guid.NewGuid().ToString("N");

    private static string CreatorUrl(string creatorId) => "/admin/v1/creators/" + creatorId;

    private static string CatalogUrl(string creatorId) => CreatorUrl(creatorId) + "/catalog";

    /// <summary>Pads JSON with trailing whitespace to exactly <paramref name="bytes"/> UTF-8 bytes.</summary>
    private static string Pad(string json, int bytes) => json + new string(' ', bytes - Encoding.UTF8.GetByteCount(json));

    private Task<HttpResponseMessage> PutAsync(string creatorId, string json, string? ifMatch = null)
        => PutAsync(creatorId, new ByteArrayContent(Encoding.UTF8.GetBytes(json)), "application/json", ifMatch);

    private Task<HttpResponseMessage> PutAsync(string creatorId, HttpContent content, string? contentType, string? ifMatch = null)
    {
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Put, CatalogUrl(creatorId)) { Content = content };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return _client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private async Task<long> PutValidAsync(string creatorId, string json)
    {
        using var response = await PutAsync(creatorId, json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("revision").GetInt64();
    }

    private async Task<string> GetBodyAsync(string creatorId)
    {
        using var response = await _client.GetAsync(CatalogUrl(creatorId), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonSerializer.Deserialize<JsonElement>(text);
            Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
            return problem;
        }
    }

    /// <summary>The creator still has the catalog and revision it had, and no write happened anywhere.</summary>
    private async Task AssertNothingStoredAsync(string creatorId, long revision, string storedBody, long head)
    {
        using var response = await _client.GetAsync(CatalogUrl(creatorId), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"\"r{revision}\"", response.Headers.ETag?.ToString());
        Assert.Equal(storedBody, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(head, await fixture.GetHeadRevisionAsync());
        Assert.Empty(await fixture.Store.ReadChangesAsync(head, 10, TestContext.Current.CancellationToken));
    }

    /// <summary>After a bad request the host still accepts a good write for the same creator.</summary>
    private async Task AssertStillServingAsync(string creatorId)
    {
        var head = await fixture.GetHeadRevisionAsync();
        var revision = await PutValidAsync(creatorId, ValidCatalog("After " + Guid.NewGuid().ToString("N")));
        Assert.Equal(head + 1, revision);
    }

    /// <summary>A stream HttpClient cannot measure, so the body goes out without Content-Length.</summary>
    private sealed class UnseekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
