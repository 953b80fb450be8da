using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Tests;
using EdgeCommerce.Origin.Tests.CatalogAdmin;
using EdgeCommerce.Origin.Tests.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;

namespace EdgeCommerce.Origin.Models.Tests;

/// <summary>Training, registry and distribution over the in-memory origin (real SQLite store, real ML.NET training).</summary>
public sealed class ModelsApiTests : IAsyncLifetime
{
    private readonly OriginApiFixture _origin = new();

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _origin.InitializeAsync();

    public ValueTask DisposeAsync() => _origin.DisposeAsync();

    private static string DemoCatalog(string prefix)
        => CatalogSamples.Catalog([.. new[] { "hoodie", "tee", "cap", "mug" }.SelectMany(kind => Enumerable.Range(1, 3).Select(v =>
            CatalogSamples.Product(
                id: $"\"{prefix}-{kind}-0{v}\"",
                price: $$"""{"amountMinor": {{1000 + (v * 500)}}, "currency": "EUR"}""",
                skus: $$"""[{"id": "{{prefix}}-{{kind}}-0{{v}}-m", "label": "M"}]""")))]);

    private async Task PushCatalogsAsync(OriginSyncClient client)
    {
        await client.PutAsync("creator-a", DemoCatalog("a"), CancellationToken);
        await client.PutAsync("creator-b", DemoCatalog("b"), CancellationToken);
    }

    [Fact]
    public async Task Train_DemoInteractions_RegistersActivatesAndRecordsMetrics()
    {
        // Arrange
        using var client = new OriginSyncClient(_origin);
        await PushCatalogsAsync(client);

        // Act
        var response = await client.Admin.PostAsync(new Uri("/admin/v1/models/train?demo=true", UriKind.Relative), null, CancellationToken);
        var trained = await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken);
        var list = await client.Admin.GetFromJsonAsync<JsonElement>("/admin/v1/models", CancellationToken);

        // Assert: a version, a SHA-256 of the bytes the store holds, held-out metrics, active at the head.
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var version = trained.GetProperty("version").GetString()!;
        var stored = await _origin.Store.GetModelAsync(version, CancellationToken);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored!.Onnx)), trained.GetProperty("sha256").GetString());
        Assert.InRange(trained.GetProperty("metrics").GetProperty("auc").GetDouble(), 0.5, 1.0);
        Assert.True(trained.GetProperty("metrics").GetProperty("ndcg10").GetDouble() > 0);
        Assert.Equal(await _origin.GetHeadRevisionAsync(), trained.GetProperty("activatedRevision").GetInt64());
        Assert.Equal(version, list.GetProperty("active").GetString());
    }

    [Fact]
    public async Task Sync_ModelActivated_BytesInChunksBeforeTheBatchThatActivatesIt()
    {
        // Arrange: an edge following the stream, caught up.
        using var client = new OriginSyncClient(_origin);
        await PushCatalogsAsync(client);
        var edgeId = OriginSyncClient.NewId("edge");
        using var call = await client.SyncAsync(OriginSyncClient.Hello(edgeId), CancellationToken);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, (await OriginSyncClient.NextAsync(call, CancellationToken)).KindCase);
        var (_, _, end) = await OriginSyncClient.ReadSnapshotAsync(call, CancellationToken);
        Assert.Null(end.Model);

        // Act
        var response = await client.Admin.PostAsync(new Uri("/admin/v1/models/train?demo=true", UriKind.Relative), null, CancellationToken);
        var version = (await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("version").GetString();

        // Assert: chunks (contiguous) first, then the batch whose change names the same bytes.
        var bytes = new MemoryStream();
        while (true)
        {
            var message = await OriginSyncClient.NextAsync(call, CancellationToken);
            if (message.KindCase == WatchResponse.KindOneofCase.Heartbeat)
            {
                continue;
            }

            if (message.KindCase == WatchResponse.KindOneofCase.ModelChunk)
            {
                Assert.Equal(bytes.Length, message.ModelChunk.Offset);
                message.ModelChunk.Data.WriteTo(bytes);
                continue;
            }

            Assert.Equal(WatchResponse.KindOneofCase.Changes, message.KindCase);
            var activation = Assert.Single(message.Changes.Changes).ModelActivated;
            Assert.Equal(version, activation.Version);
            Assert.Equal(activation.Size, bytes.Length);
            Assert.Equal(activation.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
            break;
        }
    }

    [Fact]
    public async Task Sync_NewEdgeAfterActivation_SnapshotCarriesTheModelAndItsBytes()
    {
        // Arrange
        using var client = new OriginSyncClient(_origin);
        await PushCatalogsAsync(client);
        (await client.Admin.PostAsync(new Uri("/admin/v1/models/train?demo=true", UriKind.Relative), null, CancellationToken)).EnsureSuccessStatusCode();

        // Act
        var edgeId = OriginSyncClient.NewId("edge");
        using var call = await client.SyncAsync(OriginSyncClient.Hello(edgeId), CancellationToken);
        var kinds = new List<WatchResponse.KindOneofCase>();
        var bytes = new MemoryStream();
        SnapshotEnd? end = null;
        while (end is null)
        {
            var message = await OriginSyncClient.NextAsync(call, CancellationToken);
            kinds.Add(message.KindCase);
            if (message.KindCase == WatchResponse.KindOneofCase.ModelChunk)
            {
                message.ModelChunk.Data.WriteTo(bytes);
            }

            end = message.KindCase == WatchResponse.KindOneofCase.SnapshotEnd ? message.SnapshotEnd : null;
        }

        // Assert
        Assert.Contains(WatchResponse.KindOneofCase.ModelChunk, kinds);
        Assert.NotNull(end.Model);
        Assert.Equal(end.Model.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
    }

    [Fact]
    public async Task Train_NoStoredInteractions_409ProblemAndNothingRegistered()
    {
        using var client = new OriginSyncClient(_origin);
        await PushCatalogsAsync(client);

        var response = await client.Admin.PostAsync(new Uri("/admin/v1/models/train", UriKind.Relative), null, CancellationToken);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await _origin.Store.ListModelsAsync(CancellationToken));
    }

    [Theory]
    [InlineData("creator-a", Scopes.AdminModels)]
    [InlineData(null, Scopes.AdminCatalog)]
    public async Task Models_CreatorTokenOrMissingScope_Refused(string? creator, string scope)
    {
        // Arrange: a creator's admin token (one model serves every creator), or an operator without admin:models.
        var token = await _origin.MintAsync("someone", creator, [scope], Audiences.Origin);
        using var client = _origin.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // Act
        var train = await client.PostAsync(new Uri("/admin/v1/models/train?demo=true", UriKind.Relative), null, CancellationToken);
        var delete = await client.DeleteAsync(new Uri("/admin/v1/viewers/viewer-1/interactions", UriKind.Relative), CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, train.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Empty(await _origin.Store.ListModelsAsync(CancellationToken));
    }

    [Fact]
    public async Task DeleteViewerInteractions_OneViewer_OnlyTheirsGo()
    {
        // Arrange
        var at = _origin.TimeProvider.GetUtcNow();
        await _origin.Store.AppendInteractionsAsync(
        [
            new InteractionRecord("viewer-1", "creator-a", "a-tee-01", 1, at),
            new InteractionRecord("viewer-1", "creator-a", "a-cap-01", 0, at),
            new InteractionRecord("viewer-2", "creator-a", "a-tee-01", 4, at),
        ], CancellationToken);

        // Act
        var response = await _origin.CreateClient().DeleteAsync(new Uri("/admin/v1/viewers/viewer-1/interactions", UriKind.Relative), CancellationToken);

        // Assert
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("deleted").GetInt32());
        Assert.Equal("viewer-2", Assert.Single(await _origin.Store.ReadInteractionsAsync(DateTimeOffset.UnixEpoch, 10, CancellationToken)).ViewerId);
    }
}
