using System.Net;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Streams;
using EdgeCommerce.Edge.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Edge.Tests.Streams;

/// <summary>
/// The caps on long-lived anonymous requests on the in-memory edge: per client network and per
/// edge, for the drop's server-sent events and the status long-poll, with the slot given back when
/// the caller goes away. Client addresses come from a test header (a TestServer connection has
/// none). Would catch: a slot never released on disconnect (the last stream stays 503), a count
/// kept per edge only (client B refused for A's streams) or a long-poll left uncapped.
/// </summary>
public sealed class StreamSlotsTests : IAsyncLifetime
{
    private const string ClientHeader = "X-Test-Client";

    private readonly EdgeApiFixture _fixture = new(keepSyncWorker: false, static services =>
    {
        services.Configure<StreamsOptions>(static options => (options.MaxPerClient, options.MaxPerEdge, options.RetryAfter) = (2, 3, TimeSpan.FromSeconds(7)));
        services.AddSingleton<IStartupFilter, ClientAddressFromHeader>();
    });

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    private StreamSlots Slots => _fixture.Services.GetRequiredService<StreamSlots>();

    public async ValueTask InitializeAsync()
    {
        await _fixture.InitializeAsync();
        var start = _fixture.Time.GetUtcNow().AddMinutes(-1);
        await _fixture.Updater.ApplySnapshotAsync(new Snapshot
        {
            Revision = 1,
            Drops =
            {
                new DropState
                {
                    DropId = "d1", CreatorId = "c1", Revision = 1, Title = "Tour drop", PerViewerLimit = 2,
                    StartsAtUnixMs = start.ToUnixTimeMilliseconds(), EndsAtUnixMs = start.AddHours(2).ToUnixTimeMilliseconds(),
                    Skus = { new DropSku { SkuId = "hoodie-m", Allocation = 3 } },
                },
            },
        }, CancellationToken);
    }

    [Fact]
    public async Task StreamDrop_OverClientOrEdgeCap_503WithRetryAfter_ClosingOneLetsANewOneIn()
    {
        // Arrange: client A holds its 2, client B the edge's third.
        using var client = _fixture.CreateClient();
        var a1 = await OpenAsync(client, "203.0.113.1");
        var a2 = await OpenAsync(client, "203.0.113.1");
        var b1 = await OpenAsync(client, "198.51.100.9");

        // Act
        using var aOver = await OpenAsync(client, "203.0.113.1");
        using var cOver = await OpenAsync(client, "192.0.2.44");
        a1.Dispose();
        await WaitUntilAsync(() => Slots.Open == 2);
        using var aAgain = await OpenAsync(client, "203.0.113.1");

        // Assert
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], new[] { a1.StatusCode, a2.StatusCode, b1.StatusCode });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, aOver.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, cOver.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), aOver.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", aOver.Content.Headers.ContentType?.MediaType);
        Assert.Equal(503, JsonDocument.Parse(await aOver.Content.ReadAsStringAsync(CancellationToken)).RootElement.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.OK, aAgain.StatusCode);
        a2.Dispose();
        b1.Dispose();
    }

    [Fact]
    public async Task GetStatus_LongPollsOverTheClientCap_503_AnswersAtOnceAreNotCounted()
    {
        // Arrange: two long-polls for a revision that does not come hold client A's two slots.
        using var client = _fixture.CreateClient();
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        var waiting = new[] { StatusAsync(client, "203.0.113.1", "minRevision=99&wait=30", gone.Token), StatusAsync(client, "203.0.113.1", "minRevision=99&wait=30", gone.Token) };
        await WaitUntilAsync(() => Slots.Open == 2);

        // Act
        using var over = await StatusAsync(client, "203.0.113.1", "minRevision=99&wait=30", CancellationToken);
        using var atOnce = await StatusAsync(client, "203.0.113.1", "minRevision=1&wait=30", CancellationToken);
        using var plain = await StatusAsync(client, "203.0.113.1", "", CancellationToken);
        using var tooLong = await StatusAsync(client, "198.51.100.9", "minRevision=99&wait=31", CancellationToken);
        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(waiting));
        await WaitUntilAsync(() => Slots.Open == 0);

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, over.StatusCode);
        Assert.NotNull(over.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, atOnce.StatusCode);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        Assert.Empty(_fixture.ErrorLogs);
        await _fixture.DisposeAsync();
    }

    private static async Task<HttpResponseMessage> OpenAsync(HttpClient client, string address)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/drops/d1/stream") { Headers = { { ClientHeader, address } } };
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, CancellationToken);
    }

    private static async Task<HttpResponseMessage> StatusAsync(HttpClient client, string address, string query, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/edge/status?" + query) { Headers = { { ClientHeader, address } } };
        return await client.SendAsync(request, cancellationToken);
    }

    /// <summary>Polls a condition the server reaches asynchronously (a disconnect seen, a wait begun); the test's own timeout bounds it.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(10, CancellationToken);
        }
    }

    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(static (context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(ClientHeader, out var address))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
