using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Tests.CatalogAdmin;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.Tests.Common.Fuzzing;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeCommerce.Origin.Tests.Fuzzing;

/// <summary>
/// Seeded mutation fuzzing of every body reader and every unary gRPC request of the in-memory
/// origin: each target gets at least 1,000 mutants (more while its few seconds last). Every answer
/// must be below 500 (gRPC: neither INTERNAL nor UNKNOWN), a refused input must leave the head
/// revision where it was, no Error may be logged, and the host must still serve a valid request
/// afterwards. The seed is in every failure message; replay with EDGECOMMERCE_FUZZ_SEED.
/// </summary>
public sealed class OriginFuzzTests(OriginApiFixture fixture) : IClassFixture<OriginApiFixture>, IDisposable
{
    private const int Minimum = 200;
    private const int Maximum = 20_000;
    private const string Creator = "fuzz-creator";

    // Drops sell only SKUs of their creator's catalog: the drop targets use a creator of their own
    // whose catalog (pushed first) the catalog target's mutants cannot change.
    private const string DropCreator = "fuzz-drop-creator";
    private const string EdgeId = "edge-fuzz";

    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(2);

    private readonly Mutator _mutator = Mutator.FromEnvironment();
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = fixture.Server.CreateHandler() });

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public Task PutCatalog_MutatedBodies_NeverA500AndRefusalsStoreNothing()
        => FuzzHttpAsync(HttpMethod.Put, $"/admin/v1/creators/{Creator}/catalog", CatalogSamples.ValidCatalog());

    [Fact]
    public async Task PutDrop_MutatedBodies_NeverA500AndRefusalsStoreNothing()
    {
        await PushDropCatalogAsync();
        var start = fixture.TimeProvider.GetUtcNow().AddDays(30);
        // A valid mutant may store a drop that has already opened (a 409 for the seed after it), so the
        // closing check writes a drop of its own.
        await FuzzHttpAsync(HttpMethod.Put, $"/admin/v1/creators/{DropCreator}/drops/fuzz-drop", DropBody(start), $"/admin/v1/creators/{DropCreator}/drops/fuzz-drop-after");
    }

    [Fact]
    public Task MintViewerToken_MutatedBodies_NeverA500()
        => FuzzHttpAsync(HttpMethod.Post, $"/admin/v1/creators/{Creator}/viewer-tokens", """{"viewerId":"viewer-1","ttlSeconds":600,"tier":"gold"}""");

    [Fact]
    public Task MintToken_MutatedBodies_NeverA500()
        => FuzzHttpAsync(HttpMethod.Post, "/admin/v1/tokens",
            """{"subject":"viewer-1","creatorId":"fuzz-creator","scopes":["recs:read","drop:rsvp"],"ttlSeconds":600,"audience":"edge","tier":"gold"}""");

    [Theory]
    [InlineData("""{"title":"\ud800","startsAt":"2030-01-01T00:00:00Z","endsAt":"2030-01-02T00:00:00Z","perViewerLimit":1,"allocations":[{"skuId":"a","units":1}]}""")]
    [InlineData("""{"\ud800":1,"title":"t","startsAt":"2030-01-01T00:00:00Z","endsAt":"2030-01-02T00:00:00Z","perViewerLimit":1,"allocations":[{"skuId":"a","units":1}]}""")]
    [InlineData("""{"title":"t","startsAt":"2030-01-01T00:00:00Z","endsAt":"2030-01-02T00:00:00Z","earlyAccess":{"minutes":5,"audience":"\udfff"},"perViewerLimit":1,"allocations":[{"skuId":"a","units":1}]}""")]
    [InlineData("""{"title":"t","startsAt":"0001-01-01T00:00:00Z","endsAt":"2030-01-02T00:00:00Z","earlyAccess":{"minutes":60,"audience":"rsvp"},"perViewerLimit":1,"allocations":[{"skuId":"a","units":1}]}""")]
    [InlineData("invalid-utf8-title")]
    [InlineData("invalid-utf8-name")]
    public async Task PutDrop_InputsThatThrewBefore_4xxAndNothingStored(string body)
    {
        const string Rest = ""","startsAt":"2030-01-01T00:00:00Z","endsAt":"2030-01-02T00:00:00Z","perViewerLimit":1,"allocations":[{"skuId":"a","units":1}]}""";
        // Arrange: these answered 500 (and a year-1 start with early access stored a drop every later view of which threw).
        var bytes = body switch
        {
            "invalid-utf8-title" => Utf8With("{\"title\":\"t", [0xFF, 0xFE], "\"" + Rest),
            "invalid-utf8-name" => Utf8With("{\"t", [0xC3, 0x28], "\":1,\"title\":\"t\"" + Rest),
            _ => Encoding.UTF8.GetBytes(body),
        };
        using var client = fixture.CreateClient();
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await SendAsync(client, HttpMethod.Put, $"/admin/v1/creators/{Creator}/drops/known-bad", bytes);

        // Assert
        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(head, await fixture.GetHeadRevisionAsync());
        Assert.Empty(fixture.ErrorLogs);
    }

    [Theory]
    [InlineData("""{"products":[{"id":"p1","title":"\ud800","description":"d","imageUrl":"https://cdn.example.com/p1.png","price":{"amountMinor":1,"currency":"EUR"},"attributes":{},"skus":[{"id":"p1-m","label":"M"}]}]}""")]
    [InlineData("""{"products":[{"id":"p1","title":"t","description":"d","imageUrl":"https://cdn.example.com/p1.png","price":{"amountMinor":1,"currency":"EUR"},"attributes":{"\udc00":"x"},"skus":[{"id":"p1-m","label":"M"}]}]}""")]
    public async Task PutCatalog_LoneSurrogate_4xxAndNothingStored(string body)
    {
        // Arrange
        using var client = fixture.CreateClient();
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var response = await SendAsync(client, HttpMethod.Put, $"/admin/v1/creators/{Creator}/catalog", Encoding.UTF8.GetBytes(body));

        // Assert: the catalog reader names the field (422).
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(head, await fixture.GetHeadRevisionAsync());
    }

    [Fact]
    public async Task Forward_AtUnixMsPastDateTimeOffset_InvalidArgument()
    {
        // Arrange: threw ArgumentOutOfRangeException (UNKNOWN) before.
        var client = new EdgeEvents.EdgeEventsClient(_channel);
        var batch = ValidBatch();
        batch.Interactions[0].AtUnixMs = long.MaxValue;

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.ForwardAsync(batch, await EdgeHeadersAsync(), cancellationToken: CancellationToken));

        // Assert
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Forward_MutatedBatches_NeverInternalOrUnknown()
    {
        var client = new EdgeEvents.EdgeEventsClient(_channel);
        var headers = await EdgeHeadersAsync();
        await FuzzGrpcAsync(ValidBatch(), InteractionBatch.Parser, async request => await client.ForwardAsync(request, headers, cancellationToken: CancellationToken));
    }

    [Fact]
    public async Task DropInventory_MutatedRequests_NeverInternalOrUnknown()
    {
        // Arrange: a drop open now, so valid calls get as far as the store.
        await PushDropCatalogAsync();
        using var admin = fixture.CreateClient();
        using var put = await SendAsync(admin, HttpMethod.Put, $"/admin/v1/creators/{DropCreator}/drops/fuzz-open",
            Encoding.UTF8.GetBytes(DropBody(fixture.TimeProvider.GetUtcNow().AddMinutes(1))));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        fixture.TimeProvider.Advance(TimeSpan.FromMinutes(2));
        var client = new DropInventory.DropInventoryClient(_channel);
        var headers = await EdgeHeadersAsync();

        // Act and assert
        await FuzzGrpcAsync(new AcquireLeaseRequest { DropId = "fuzz-open", SkuId = "hoodie-01-m", EdgeId = EdgeId, Units = 2, MinUnits = 1 }, AcquireLeaseRequest.Parser,
            async request => await client.AcquireLeaseAsync(request, headers, cancellationToken: CancellationToken));
        await FuzzGrpcAsync(new ReturnLeaseRequest { LeaseId = "lease-1", Units = 1 }, ReturnLeaseRequest.Parser,
            async request => await client.ReturnLeaseAsync(request, headers, cancellationToken: CancellationToken));
        await FuzzGrpcAsync(new ConfirmSaleRequest { LeaseId = "lease-1", ReservationId = "r-1", DropId = "fuzz-open", SkuId = "hoodie-01-m", Quantity = 1, Viewer = "viewer-1", IdempotencyKey = "k-1" },
            ConfirmSaleRequest.Parser, async request => await client.ConfirmSaleAsync(request, headers, cancellationToken: CancellationToken));
        await FuzzGrpcAsync(new RsvpRequest { DropId = "fuzz-open", Viewer = "viewer-1" }, RsvpRequest.Parser,
            async request => await client.RsvpAsync(request, headers, cancellationToken: CancellationToken));
        await FuzzGrpcAsync(new RsvpRequest { DropId = "fuzz-open", Viewer = "viewer-1" }, RsvpRequest.Parser,
            async request => await client.HasRsvpAsync(request, headers, cancellationToken: CancellationToken));
    }

    public void Dispose() => _channel.Dispose();

    private async Task PushDropCatalogAsync()
    {
        using var client = fixture.CreateClient();
        var catalog = CatalogSamples.Catalog(CatalogSamples.Product(skus: "[" + CatalogSamples.Sku("hoodie-01-m", "M") + "]"));
        using var response = await SendAsync(client, HttpMethod.Put, $"/admin/v1/creators/{DropCreator}/catalog", Encoding.UTF8.GetBytes(catalog));
        Assert.True(response.IsSuccessStatusCode, $"PUT catalog answered {(int)response.StatusCode}");
    }

    private async Task FuzzHttpAsync(HttpMethod method, string path, string seedJson, string? validPath = null)
    {
        // Arrange
        using var client = fixture.CreateClient();
        var head = await fixture.GetHeadRevisionAsync();

        // Act and assert, input by input
        var count = await Mutator.RunAsync(Minimum, Maximum, s_budget, async i =>
        {
            var body = _mutator.Mutate(seedJson);
            using var response = await SendAsync(client, method, path, body);
            var status = (int)response.StatusCode;
            Assert.True(status < 500, $"{method} {path} answered {status} to input {i} ({_mutator.Replay}): {Convert.ToBase64String(body)}");
            var now = await fixture.GetHeadRevisionAsync();
            if (status >= 400)
            {
                Assert.True(now == head, $"{method} {path} refused input {i} with {status} but the head moved {head} → {now} ({_mutator.Replay})");
            }

            head = now;
        });

        // Assert: still serving, nothing logged as an error.
        using var valid = await SendAsync(client, method, validPath ?? path, Encoding.UTF8.GetBytes(seedJson));
        Assert.True(valid.IsSuccessStatusCode, $"After {count} inputs the valid body got {(int)valid.StatusCode} ({_mutator.Replay})");
        Assert.True(fixture.ErrorLogs.Count == 0, $"{_mutator.Replay}: {string.Join('\n', fixture.ErrorLogs)}");
        TestContext.Current.SendDiagnosticMessage($"{method} {path}: {count} inputs, {_mutator.Replay}");
    }

    private async Task FuzzGrpcAsync<T>(T valid, MessageParser<T> parser, Func<T, Task> call)
        where T : IMessage<T>
    {
        var head = await fixture.GetHeadRevisionAsync();
        var count = await Mutator.RunAsync(Minimum, Maximum, s_budget, async i =>
        {
            var request = ProtoMutator.Mutate(_mutator, valid, parser);
            try
            {
                await call(request);
                head = await fixture.GetHeadRevisionAsync();
            }
            catch (RpcException error)
            {
                Assert.True(error.StatusCode is not (StatusCode.Internal or StatusCode.Unknown),
                    $"{typeof(T).Name} input {i} got {error.StatusCode} ({_mutator.Replay}): {Convert.ToBase64String(request.ToByteArray())} {error.Status.Detail}");
                if (error.StatusCode == StatusCode.InvalidArgument)
                {
                    Assert.Equal(head, await fixture.GetHeadRevisionAsync());
                }
            }
        });

        // Still serving: the valid request gets a precise answer (it may be NotFound: a made-up lease).
        try
        {
            await call(valid);
        }
        catch (RpcException error) when (error.StatusCode is not (StatusCode.Internal or StatusCode.Unknown or StatusCode.Unavailable))
        {
        }

        Assert.True(fixture.ErrorLogs.Count == 0, $"{_mutator.Replay}: {string.Join('\n', fixture.ErrorLogs)}");
        TestContext.Current.SendDiagnosticMessage($"{typeof(T).Name}: {count} inputs, {_mutator.Replay}");
    }

    private async Task<Metadata> EdgeHeadersAsync()
        => new() { { "Authorization", "Bearer " + await fixture.MintAsync(EdgeId, null, [Scopes.EdgeSync], Audiences.Origin) } };

    private static InteractionBatch ValidBatch() => new()
    {
        EdgeId = EdgeId,
        Interactions = { new ViewerInteraction { ViewerId = "viewer-1", CreatorId = Creator, ProductId = "p1", Kind = 1, AtUnixMs = 1_748_800_000_000 } },
    };

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await client.SendAsync(request, CancellationToken);
    }

    private static byte[] Utf8With(string before, byte[] raw, string after) => [.. Encoding.UTF8.GetBytes(before), .. raw, .. Encoding.UTF8.GetBytes(after)];

    private static string DropBody(DateTimeOffset startsAt)
        => $$"""
            {"title":"Fuzz drop","startsAt":"{{startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}","endsAt":"{{startsAt.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}",
             "earlyAccess":{"minutes":10,"audience":"rsvp"},"perViewerLimit":2,"allocations":[{"skuId":"hoodie-01-m","units":40}]}
            """;
}
