using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using Grpc.Core;
using Grpc.Net.Client;
using static EdgeCommerce.Origin.Tests.CatalogAdmin.CatalogSamples;

namespace EdgeCommerce.Origin.Tests.Sync;

/// <summary>
/// The Watch stream over TestServer (grpc examples/Tester IntegrationTestBase). The host's clock is
/// fake, so a heartbeat after the first comes only when a test moves the clock: every other
/// message is exactly the one the protocol owes.
/// </summary>
public sealed class CatalogSyncServiceTests(OriginApiFixture fixture) : IClassFixture<OriginApiFixture>, IDisposable
{
    private readonly HttpClient _admin = fixture.CreateClient();
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = fixture.Server.CreateHandler() });
    private readonly int _errorLogsBefore = fixture.ErrorLogs.Count;

    public void Dispose()
    {
        _channel.Dispose();
        _admin.Dispose();
        Assert.Empty(fixture.ErrorLogs.Skip(_errorLogsBefore));
    }

    // Timeouts only guard against a hung stream (a missing message would otherwise wait forever); no test measures time.
    [Fact(Timeout = 30_000)]
    public async Task Watch_NewEdge_SendsHeartbeatThenSnapshotThenLiveBatches()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var creator = NewCreatorId();
        var other = NewCreatorId();
        var creatorRevision = await PutAsync(creator, Catalog(Product(title: "\"Tour hoodie\"", attributes: """{"size": "M", "color": "black"}""")), cancellationToken);
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var call = Watch(fromRevision: 0, cancellationToken: cancellationToken);
        var heartbeat = await NextAsync(call, cancellationToken);
        var snapshot = await NextAsync(call, cancellationToken);
        var otherRevision = await PutAsync(other, ValidCatalog("Other"), cancellationToken);
        var updatedRevision = await PutAsync(creator, ValidCatalog("Tour hoodie v2"), cancellationToken);
        var deletedRevision = await DeleteAsync(other, cancellationToken);
        var changes = await ReadChangesAsync(call, snapshot.Snapshot.Revision, deletedRevision, cancellationToken);

        // Assert
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, heartbeat.KindCase);
        Assert.Equal(head, heartbeat.Heartbeat.HeadRevision);
        Assert.Equal(fixture.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(), heartbeat.Heartbeat.OriginTimeUnixMs);

        Assert.Equal(WatchResponse.KindOneofCase.Snapshot, snapshot.KindCase);
        Assert.Equal(head, snapshot.Snapshot.Revision);
        var catalog = Assert.Single(snapshot.Snapshot.Creators, c => c.CreatorId == creator);
        Assert.Equal(creatorRevision, catalog.Revision);
        var product = Assert.Single(catalog.Products);
        Assert.Equal(("p1", "Tour hoodie", "Heavy cotton", "https://cdn.example.com/p1.png"), (product.Id, product.Title, product.Description, product.ImageUrl));
        Assert.Equal(new Money { AmountMinor = 5900, Currency = "EUR" }, product.Price);
        Assert.Equal(new Dictionary<string, string> { ["color"] = "black", ["size"] = "M" }, product.Attributes);
        Assert.Equal([new Sku { Id = "p1-m", Label = "M" }], product.Skus);

        Assert.Equal([otherRevision, updatedRevision, deletedRevision], changes.Select(static c => c.Revision));
        Assert.Equal(other, changes[0].CatalogUpserted.CreatorId);
        Assert.Equal(otherRevision, changes[0].CatalogUpserted.Revision);
        Assert.Equal(creator, changes[1].CatalogUpserted.CreatorId);
        Assert.Equal(updatedRevision, changes[1].CatalogUpserted.Revision);
        Assert.Equal("Tour hoodie v2", Assert.Single(changes[1].CatalogUpserted.Products).Title);
        Assert.Equal(Change.KindOneofCase.CreatorDeleted, changes[2].KindCase);
        Assert.Equal(other, changes[2].CreatorDeleted.CreatorId);
    }

    [Fact(Timeout = 30_000)]
    public async Task Watch_FromRevision_SendsOnlyLaterChangesInBatchesAndNoSnapshot()
    {
        // Arrange: five changes after R, more than one batch (MaxChangesPerBatch is 3 here).
        var cancellationToken = TestContext.Current.CancellationToken;
        var x = NewCreatorId();
        var y = NewCreatorId();
        var z = NewCreatorId();
        var resumeFrom = await PutAsync(x, ValidCatalog("x1"), cancellationToken);
        var expected = new List<long>
        {
            await PutAsync(y, ValidCatalog("y1"), cancellationToken),
            await PutAsync(x, ValidCatalog("x2"), cancellationToken),
            await PutAsync(z, ValidCatalog("z1"), cancellationToken),
            await PutAsync(y, ValidCatalog("y2"), cancellationToken),
            await DeleteAsync(z, cancellationToken),
        };

        // Act
        using var call = Watch(fromRevision: resumeFrom, cancellationToken: cancellationToken);
        var heartbeat = await NextAsync(call, cancellationToken);
        var batches = new List<ChangeBatch>();
        var received = resumeFrom;
        while (received < expected[^1])
        {
            var message = await NextAsync(call, cancellationToken);
            Assert.Equal(WatchResponse.KindOneofCase.Changes, message.KindCase);
            batches.Add(message.Changes);
            received = message.Changes.Revision;
        }

        // Assert
        Assert.Equal(expected[^1], heartbeat.Heartbeat.HeadRevision);
        Assert.True(batches.Count >= 2, $"{batches.Count} batches");
        Assert.Equal(resumeFrom, batches[0].PreviousRevision);
        for (var i = 1; i < batches.Count; i++)
        {
            Assert.Equal(batches[i - 1].Revision, batches[i].PreviousRevision);
        }

        Assert.All(batches, static b => Assert.InRange(b.Changes.Count, 1, OriginApiFixture.MaxChangesPerBatch));
        Assert.All(batches, static b => Assert.Equal(b.Changes[^1].Revision, b.Revision));
        Assert.Equal(expected, batches.SelectMany(static b => b.Changes).Select(static c => c.Revision));
        Assert.Equal([y, x, z, y], batches.SelectMany(static b => b.Changes).Take(4).Select(static c => c.CatalogUpserted.CreatorId));
        Assert.Equal(z, batches[^1].Changes[^1].CreatorDeleted.CreatorId);
    }

    [Fact(Timeout = 30_000)]
    public async Task Watch_FromHead_SendsNothingButTheHeartbeatUntilAChange()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var creator = NewCreatorId();
        var head = await PutAsync(creator, ValidCatalog(), cancellationToken);

        // Act
        using var call = Watch(fromRevision: head, cancellationToken: cancellationToken);
        var heartbeat = await NextAsync(call, cancellationToken);
        var next = NextAsync(call, cancellationToken);
        var notYet = next.IsCompleted;
        var revision = await PutAsync(creator, ValidCatalog("v2"), cancellationToken);
        var batch = (await next).Changes;

        // Assert
        Assert.Equal(head, heartbeat.Heartbeat.HeadRevision);
        Assert.False(notYet);
        Assert.Equal(head, batch.PreviousRevision);
        Assert.Equal(revision, Assert.Single(batch.Changes).Revision);
    }

    [Fact(Timeout = 30_000)]
    public async Task Watch_FromRevisionAheadOfHead_SendsSnapshotAtHeadThenChangesAfterIt()
    {
        // Arrange: an edge that holds more than the origin (origin restored from an older backup).
        var cancellationToken = TestContext.Current.CancellationToken;
        var creator = NewCreatorId();
        await PutAsync(creator, ValidCatalog(), cancellationToken);
        var head = await fixture.GetHeadRevisionAsync();

        // Act
        using var call = Watch(fromRevision: head + 1_000, cancellationToken: cancellationToken);
        var heartbeat = await NextAsync(call, cancellationToken);
        var snapshot = await NextAsync(call, cancellationToken);
        var revision = await PutAsync(creator, ValidCatalog("v2"), cancellationToken);
        var changes = await ReadChangesAsync(call, head, revision, cancellationToken);

        // Assert
        Assert.Equal(head, heartbeat.Heartbeat.HeadRevision);
        Assert.Equal(WatchResponse.KindOneofCase.Snapshot, snapshot.KindCase);
        Assert.Equal(head, snapshot.Snapshot.Revision);
        Assert.Contains(snapshot.Snapshot.Creators, c => c.CreatorId == creator);
        Assert.Equal(revision, Assert.Single(changes).Revision);
    }

    [Fact(Timeout = 30_000)]
    public async Task Watch_CreatorDeleted_ArrivesAsCreatorDeleted()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var creator = NewCreatorId();
        var head = await PutAsync(creator, ValidCatalog(), cancellationToken);
        using var call = Watch(fromRevision: head, cancellationToken: cancellationToken);
        await NextAsync(call, cancellationToken);

        // Act
        var deleted = await DeleteAsync(creator, cancellationToken);
        var change = Assert.Single(await ReadChangesAsync(call, head, deleted, cancellationToken));

        // Assert
        Assert.Equal(deleted, change.Revision);
        Assert.Equal(Change.KindOneofCase.CreatorDeleted, change.KindCase);
        Assert.Equal(creator, change.CreatorDeleted.CreatorId);
    }

    [Fact(Timeout = 30_000)]
    public async Task Watch_TwoEdges_BothReceiveEveryChange()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var creator = NewCreatorId();
        var head = await PutAsync(creator, ValidCatalog(), cancellationToken);
        using var first = Watch(fromRevision: head, edgeId: "edge-eu-1", cancellationToken: cancellationToken);
        using var second = Watch(fromRevision: head, edgeId: "edge-us-1", cancellationToken: cancellationToken);
        await NextAsync(first, cancellationToken);
        await NextAsync(second, cancellationToken);

        // Act
        var one = await PutAsync(creator, ValidCatalog("v2"), cancellationToken);
        var two = await PutAsync(creator, ValidCatalog("v3"), cancellationToken);
        var toFirst = await ReadChangesAsync(first, head, two, cancellationToken);
        var toSecond = await ReadChangesAsync(second, head, two, cancellationToken);

        // Assert
        Assert.Equal([one, two], toFirst.Select(static c => c.Revision));
        Assert.Equal([one, two], toSecond.Select(static c => c.Revision));
    }

    [Fact(Timeout = 30_000)]
    public async Task Watch_Idle_SendsHeartbeatsWithTheHeadAsTheClockMoves()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var creator = NewCreatorId();
        var head = await PutAsync(creator, ValidCatalog(), cancellationToken);
        using var call = Watch(fromRevision: head, cancellationToken: cancellationToken);
        var connected = (await NextAsync(call, cancellationToken)).Heartbeat;

        // Act: move the fake clock until the idle stream's heartbeat timer fires. The stream arms
        // its timer asynchronously, so keep moving it rather than guessing when it is armed.
        var next = NextAsync(call, cancellationToken);
        while (!next.IsCompleted)
        {
            fixture.TimeProvider.Advance(OriginApiFixture.HeartbeatInterval);
            await Task.WhenAny(next, Task.Delay(10, cancellationToken));
        }

        var heartbeat = await next;

        // Assert
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, heartbeat.KindCase);
        Assert.Equal(head, heartbeat.Heartbeat.HeadRevision);
        Assert.InRange(heartbeat.Heartbeat.OriginTimeUnixMs,
            connected.OriginTimeUnixMs + (long)OriginApiFixture.HeartbeatInterval.TotalMilliseconds,
            fixture.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
    }

    [Theory(Timeout = 30_000)]
    [InlineData(0u)]
    [InlineData(1u)]
    public async Task Watch_SupportedProtocolVersion_IsServed(uint protocolVersion)
    {
        // Arrange: 0 is what an edge that predates versioning sends.
        var cancellationToken = TestContext.Current.CancellationToken;
        var head = await PutAsync(NewCreatorId(), ValidCatalog(), cancellationToken);

        // Act
        using var call = Watch(fromRevision: head, protocolVersion: protocolVersion, cancellationToken: cancellationToken);
        var first = await NextAsync(call, cancellationToken);

        // Assert
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, first.KindCase);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("", 0L, "eu-west")]
    [InlineData("bad id", 0L, "eu-west")]
    [InlineData("-edge", 0L, "eu-west")]
    [InlineData("edge/eu", 0L, "eu-west")]
    [InlineData("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", 0L, "eu-west")]
    [InlineData("edge-eu-1", -1L, "eu-west")]
    [InlineData("edge-eu-1", long.MinValue, "eu-west")]
    [InlineData("edge-eu-1", 0L, "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr")]
    public async Task Watch_InvalidRequest_FailsWithInvalidArgument(string edgeId, long fromRevision, string region)
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var call = Watch(fromRevision, edgeId, region: region, cancellationToken: cancellationToken);

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancellationToken));

        // Assert
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(2u)]
    [InlineData(uint.MaxValue)]
    public async Task Watch_NewerProtocolVersion_FailsWithFailedPrecondition(uint protocolVersion)
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var call = Watch(fromRevision: 0, protocolVersion: protocolVersion, cancellationToken: cancellationToken);

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancellationToken));

        // Assert
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    private static string NewCreatorId() => "creator-" + Guid.NewGuid().ToString("N");

    private AsyncServerStreamingCall<WatchResponse> Watch(long fromRevision, string edgeId = "edge-eu-1", uint protocolVersion = 1, string region = "eu-west", CancellationToken cancellationToken = default)
        => new CatalogSync.CatalogSyncClient(_channel).Watch(
            new WatchRequest { EdgeId = edgeId, Region = region, PublicUrl = "https://edge.example.com", FromRevision = fromRevision, ProtocolVersion = protocolVersion },
            headers: OriginSyncClient.Authorization(fixture, edgeId),
            cancellationToken: cancellationToken);

    private static async Task<WatchResponse> NextAsync(AsyncServerStreamingCall<WatchResponse> call, CancellationToken cancellationToken)
    {
        Assert.True(await call.ResponseStream.MoveNext(cancellationToken), "The watch stream ended.");
        return call.ResponseStream.Current;
    }

    /// <summary>
    /// Reads change batches until <paramref name="untilRevision"/>, checking the protocol's chain on
    /// the way: each batch names the last revision received, holds contiguous changes and ends at its
    /// own revision. Any other message in between fails.
    /// </summary>
    private static async Task<List<Change>> ReadChangesAsync(AsyncServerStreamingCall<WatchResponse> call, long lastReceived, long untilRevision, CancellationToken cancellationToken)
    {
        var changes = new List<Change>();
        while (lastReceived < untilRevision)
        {
            var message = await NextAsync(call, cancellationToken);
            Assert.Equal(WatchResponse.KindOneofCase.Changes, message.KindCase);
            var batch = message.Changes;
            Assert.Equal(lastReceived, batch.PreviousRevision);
            Assert.InRange(batch.Changes.Count, 1, OriginApiFixture.MaxChangesPerBatch);
            foreach (var change in batch.Changes)
            {
                Assert.Equal(lastReceived + 1, change.Revision);
                lastReceived = change.Revision;
                changes.Add(change);
            }

            Assert.Equal(lastReceived, batch.Revision);
        }

        return changes;
    }

    private async Task<long> PutAsync(string creatorId, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await _admin.PutAsync($"/admin/v1/creators/{creatorId}/catalog", content, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("revision").GetInt64();
    }

    private async Task<long> DeleteAsync(string creatorId, CancellationToken cancellationToken)
    {
        using var response = await _admin.DeleteAsync($"/admin/v1/creators/{creatorId}", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("revision").GetInt64();
    }
}
