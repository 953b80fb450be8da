using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeCommerce.Origin.Tests.Sync;

/// <summary>
/// Plays an edge against an <see cref="OriginApiFixture"/>: protocol 2 streams over the TestServer
/// handler (grpc examples/Tester IntegrationTestBase), plus the admin calls that make changes and
/// read the edge registry.
/// </summary>
internal sealed class OriginSyncClient(OriginApiFixture fixture) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = fixture.Server.CreateHandler() });

    public HttpClient Admin { get; } = fixture.CreateClient();

    public CatalogSync.CatalogSyncClient Grpc => new(_channel);

    /// <summary>
    /// <c>authorization</c> metadata with an <c>edge:sync</c> token issued to <paramref name="edgeId"/>
    /// (or to a placeholder when the id is empty, so a test of a bad hello reaches the hello check),
    /// for <paramref name="lifetime"/>: by default the longest, which the origin does not renew.
    /// </summary>
    public static Metadata Authorization(OriginApiFixture fixture, string edgeId, TimeSpan? lifetime = null)
    {
        var subject = edgeId.Length > 0 ? edgeId : "unnamed-edge";
        var token = Task.Run(() => fixture.MintAsync(subject, null, [Scopes.EdgeSync], Audiences.Origin, lifetime: lifetime ?? TimeSpan.FromHours(24))).GetAwaiter().GetResult();
        return new Metadata { { "authorization", "Bearer " + token } };
    }

    /// <summary>Authorization for an edge id, for calls a test opens itself.</summary>
    public Metadata AuthorizationFor(string edgeId) => Authorization(fixture, edgeId);

    public static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    public static WatchRequest Hello(string edgeId, long fromRevision = 0, string clusterId = "", uint protocolVersion = 2, string region = "eu-west")
        => new() { EdgeId = edgeId, Region = region, PublicUrl = "https://" + edgeId + ".example.com", FromRevision = fromRevision, ProtocolVersion = protocolVersion, ClusterId = clusterId };

    /// <summary>Opens a Sync stream and sends <paramref name="hello"/> as its first message.</summary>
    public async Task<AsyncDuplexStreamingCall<EdgeMessage, WatchResponse>> SyncAsync(WatchRequest hello, CancellationToken cancellationToken, TimeSpan? tokenLifetime = null)
    {
        var call = Grpc.Sync(Authorization(fixture, hello.EdgeId, tokenLifetime), cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new EdgeMessage { Hello = hello }, cancellationToken);
        }
        catch (RpcException)
        {
            // The origin read the hello and ended the call (a refusal) before this write completed:
            // the response stream carries the same status, which is what the tests read.
        }

        return call;
    }

    public static Task AckAsync(AsyncDuplexStreamingCall<EdgeMessage, WatchResponse> call, long appliedRevision, CancellationToken cancellationToken, Rejection? rejection = null)
        => call.RequestStream.WriteAsync(new EdgeMessage { Ack = new Ack { AppliedRevision = appliedRevision, Rejection = rejection } }, cancellationToken);

    public static async Task<WatchResponse> NextAsync(AsyncDuplexStreamingCall<EdgeMessage, WatchResponse> call, CancellationToken cancellationToken)
    {
        Assert.True(await call.ResponseStream.MoveNext(cancellationToken), "The sync stream ended.");
        return call.ResponseStream.Current;
    }

    /// <summary>Reads SnapshotBegin, every SnapshotChunk and SnapshotEnd; anything else in between fails.</summary>
    public static async Task<(SnapshotBegin Begin, List<SnapshotChunk> Chunks, SnapshotEnd End)> ReadSnapshotAsync(AsyncDuplexStreamingCall<EdgeMessage, WatchResponse> call, CancellationToken cancellationToken)
    {
        var first = await NextAsync(call, cancellationToken);
        Assert.Equal(WatchResponse.KindOneofCase.SnapshotBegin, first.KindCase);
        var chunks = new List<SnapshotChunk>();
        while (true)
        {
            var message = await NextAsync(call, cancellationToken);
            if (message.KindCase == WatchResponse.KindOneofCase.SnapshotEnd)
            {
                return (first.SnapshotBegin, chunks, message.SnapshotEnd);
            }

            Assert.Equal(WatchResponse.KindOneofCase.SnapshotChunk, message.KindCase);
            chunks.Add(message.SnapshotChunk);
        }
    }

    /// <summary>
    /// Reads change batches until <paramref name="untilRevision"/>, checking the chain: each batch
    /// follows the last revision received, holds contiguous changes and ends at its own revision.
    /// Heartbeats in between (the fake clock may have moved) are skipped; anything else fails.
    /// </summary>
    public static async Task<List<ChangeBatch>> ReadBatchesAsync(AsyncDuplexStreamingCall<EdgeMessage, WatchResponse> call, long lastReceived, long untilRevision, CancellationToken cancellationToken)
    {
        var batches = new List<ChangeBatch>();
        while (lastReceived < untilRevision)
        {
            var message = await NextAsync(call, cancellationToken);
            if (message.KindCase == WatchResponse.KindOneofCase.Heartbeat)
            {
                continue;
            }

            Assert.Equal(WatchResponse.KindOneofCase.Changes, message.KindCase);
            var batch = message.Changes;
            Assert.Equal(lastReceived, batch.PreviousRevision);
            Assert.InRange(batch.Changes.Count, 1, OriginApiFixture.MaxChangesPerBatch);
            foreach (var change in batch.Changes)
            {
                Assert.Equal(lastReceived + 1, change.Revision);
                lastReceived = change.Revision;
            }

            Assert.Equal(lastReceived, batch.Revision);
            batches.Add(batch);
        }

        return batches;
    }

    public async Task<long> PutAsync(string creatorId, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Admin.PutAsync($"/admin/v1/creators/{creatorId}/catalog", content, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("revision").GetInt64();
    }

    public async Task<long> DeleteAsync(string creatorId, CancellationToken cancellationToken)
    {
        using var response = await Admin.DeleteAsync($"/admin/v1/creators/{creatorId}", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("revision").GetInt64();
    }

    /// <summary>The edge's entry in <c>GET /admin/v1/edges</c>, or null when it is not listed.</summary>
    public async Task<JsonElement?> GetEdgeAsync(string edgeId, CancellationToken cancellationToken)
    {
        using var response = await Admin.GetAsync("/admin/v1/edges", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        foreach (var edge in body.GetProperty("edges").EnumerateArray())
        {
            if (edge.GetProperty("id").GetString() == edgeId)
            {
                return edge;
            }
        }

        return null;
    }

    /// <summary>
    /// Polls the registry until the edge's entry satisfies <paramref name="condition"/>: acks are
    /// read beside the stream, so the registry catches up asynchronously. Only the test's own
    /// cancellation (its timeout) bounds the wait; nothing here measures time.
    /// </summary>
    public async Task<JsonElement> WaitForEdgeAsync(string edgeId, Func<JsonElement, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await GetEdgeAsync(edgeId, cancellationToken) is { } edge && condition(edge))
            {
                return edge;
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    public void Dispose()
    {
        _channel.Dispose();
        Admin.Dispose();
    }
}
