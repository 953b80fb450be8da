using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeCommerce.ServiceDefaults.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCommerce.ServiceDefaults.Tests.Http;

public sealed class JsonAnswerTests
{
    private static readonly JsonSerializerOptions s_web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Ok_WritesTheSameJsonAsTheWebDefaultsWithContentLength()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartAsync(ct);
        var expected = JsonSerializer.Serialize(new Answer("a-1", 3, 0.125, null, ["x", "y"]), s_web);

        // Act
        using var response = await app.GetTestClient().GetAsync(new Uri("/ok/a-1", UriKind.Relative), ct);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.Equal(expected, body);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(body), response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Created_201WithLocationAndBody()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartAsync(ct);

        using var response = await app.GetTestClient().PostAsync(new Uri("/created/b-2", UriKind.Relative), null, ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/things/b-2", response.Headers.Location?.ToString());
        Assert.Contains("\"id\":\"b-2\"", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ok_ManyParallelRequests_EachGetsItsOwnBody()
    {
        // The buffer is reused per thread: a reuse before the copy into the response finished
        // would hand one request another's bytes. 400 requests from 16 tasks at once.
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartAsync(ct);
        var client = app.GetTestClient();

        var mismatches = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, token) =>
        {
            var id = "id-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + new string('z', i % 50);
            var answer = await client.GetFromJsonAsync<Answer>(new Uri("/ok/" + id, UriKind.Relative), token);
            if (answer?.Id != id)
            {
                Interlocked.Increment(ref mismatches);
            }
        });

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public async Task Endpoints_DescribeTheirJsonAnswerForOpenApi()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartAsync(ct);
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints;

        var ok = endpoints.Single(static e => e.DisplayName!.Contains("/ok/", StringComparison.Ordinal)).Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>();
        var created = endpoints.Single(static e => e.DisplayName!.Contains("/created/", StringComparison.Ordinal)).Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>();

        Assert.Contains(ok, static m => m.StatusCode == 200 && m.Type == typeof(Answer) && m.ContentTypes.Contains("application/json"));
        Assert.Contains(created, static m => m.StatusCode == 201 && m.Type == typeof(Answer));
    }

    private static async Task<WebApplication> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/ok/{id}", static (string id) => JsonAnswer.Ok(new Answer(id, 3, 0.125, null, ["x", "y"]), AnswerJsonContext.Default.Answer));
        app.MapPost("/created/{id}", static (string id) => JsonAnswer.Created("/things/" + id, new Answer(id, 1, 1, "d", []), AnswerJsonContext.Default.Answer));
        await app.StartAsync(cancellationToken);
        return app;
    }
}

public sealed record Answer(string Id, int Count, double Score, string? DuplicateOf, IReadOnlyList<string> Tags);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Answer))]
internal sealed partial class AnswerJsonContext : JsonSerializerContext;
