using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.Origin.Tests.CatalogAdmin;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using static EdgeCommerce.Origin.Tests.Sync.OriginSyncClient;

namespace EdgeCommerce.Origin.Tests.Drops;

/// <summary>
/// Every DropInventory call is bound to the edge its token was issued to, as AcquireLease is: one
/// edge's token cannot confirm, return or learn anything through another edge's lease; a revoked
/// edge is refused on every call; a sale after the drop's end, or an idempotency key reused for a
/// different purchase, gets a precise refusal instead of a sale or a "duplicate". Each test uses
/// its own drop and edges on a shared in-memory origin (real SQLite, fake clock).
/// </summary>
public sealed class DropInventoryEdgeBindingTests(OriginApiFixture fixture) : IClassFixture<OriginApiFixture>, IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = fixture.Server.CreateHandler() });

    private string? _edgeId;
    private string? _creatorId;

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    private DropInventory.DropInventoryClient Client => new(_channel);

    [Fact]
    public async Task ConfirmSaleAndReturnLease_AnotherEdgesLease_AnswerLikeAMissingLeaseAndChangeNothing()
    {
        // Arrange
        var (dropId, lease, owner) = await OpenDropWithLeaseAsync();
        var thief = Authorization(fixture, NewId("edge"));

        // Act
        var confirm = await Assert.ThrowsAsync<RpcException>(() => Client.ConfirmSaleAsync(Sale(dropId, lease.LeaseId, "r-thief", 1), thief, cancellationToken: CancellationToken).ResponseAsync);
        var returned = await Client.ReturnLeaseAsync(new ReturnLeaseRequest { LeaseId = lease.LeaseId, Units = lease.Units }, thief, cancellationToken: CancellationToken);
        var sales = await SalesAsync(dropId);
        var ownSale = await Client.ConfirmSaleAsync(Sale(dropId, lease.LeaseId, "r-own", 1), owner, cancellationToken: CancellationToken);
        // The owner's reservation id, replayed by another edge, reveals nothing either.
        var replay = await Assert.ThrowsAsync<RpcException>(() => Client.ConfirmSaleAsync(Sale(dropId, lease.LeaseId, "r-own", 1), thief, cancellationToken: CancellationToken).ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.NotFound, confirm.StatusCode);
        Assert.Equal(0, returned.Units);
        Assert.Equal(0, sales.GetProperty("sales").GetArrayLength());
        Assert.Equal("r-own", ownSale.ReservationId);
        Assert.Equal(lease.Units - 1, ownSale.Stock.Leased);
        Assert.Equal(StatusCode.NotFound, replay.StatusCode);
        Assert.Empty(fixture.ErrorLogs);
    }

    [Fact]
    public async Task ConfirmSale_AfterTheDropsEnd_FailedPreconditionAndNothingSold()
    {
        // Arrange: the lease outlives the drop's end (leases last minutes; the drop two hours).
        var (dropId, lease, owner) = await OpenDropWithLeaseAsync(startedAgo: TimeSpan.FromHours(2) - TimeSpan.FromSeconds(5));
        fixture.TimeProvider.Advance(TimeSpan.FromSeconds(10));

        // Act
        var late = await Assert.ThrowsAsync<RpcException>(() => Client.ConfirmSaleAsync(Sale(dropId, lease.LeaseId, "r-late", 1), owner, cancellationToken: CancellationToken).ResponseAsync);
        var sales = await SalesAsync(dropId);

        // Assert
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode);
        Assert.Contains("ended", late.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, sales.GetProperty("sales").GetArrayLength());
        Assert.Empty(fixture.ErrorLogs);
    }

    [Fact]
    public async Task ConfirmSale_IdempotencyKeyReusedForAnotherQuantity_AlreadyExists_SameQuantityIsTheDuplicate()
    {
        // Arrange
        var (dropId, lease, owner) = await OpenDropWithLeaseAsync();
        await Client.ConfirmSaleAsync(Sale(dropId, lease.LeaseId, "r-1", 1, key: "k-1"), owner, cancellationToken: CancellationToken);

        // Act
        var otherQuantity = await Assert.ThrowsAsync<RpcException>(() => Client.ConfirmSaleAsync(Sale(dropId, lease.LeaseId, "r-2", 2, key: "k-1"), owner, cancellationToken: CancellationToken).ResponseAsync);
        var sameQuantity = await Client.ConfirmSaleAsync(Sale(dropId, lease.LeaseId, "r-3", 1, key: "k-1"), owner, cancellationToken: CancellationToken);
        var sales = await SalesAsync(dropId);

        // Assert
        Assert.Equal(StatusCode.AlreadyExists, otherQuantity.StatusCode);
        Assert.True(sameQuantity.Duplicate);
        Assert.Equal("r-1", sameQuantity.ReservationId);
        Assert.Equal(1, sales.GetProperty("sales").GetArrayLength());
        Assert.Empty(fixture.ErrorLogs);
    }

    [Fact]
    public async Task EveryCall_RevokedEdge_PermissionDenied_UntilAllowed()
    {
        // Arrange: the edge must be known to the registry to be revoked; one hello registers it.
        var (dropId, lease, owner) = await OpenDropWithLeaseAsync();
        var edgeId = _edgeId!;
        using (var sync = new Sync.OriginSyncClient(fixture))
        {
            using var call = await sync.SyncAsync(Hello(edgeId), CancellationToken);
            await NextAsync(call, CancellationToken);
            using var revoked = await sync.Admin.PostAsync($"/admin/v1/edges/{edgeId}/revoke", null, CancellationToken);
            revoked.EnsureSuccessStatusCode();
        }

        // Act
        var calls = new Func<Task>[]
        {
            () => Client.AcquireLeaseAsync(new AcquireLeaseRequest { DropId = dropId, SkuId = "hoodie-01-m", EdgeId = edgeId, Units = 1 }, owner, cancellationToken: CancellationToken).ResponseAsync,
            () => Client.ReturnLeaseAsync(new ReturnLeaseRequest { LeaseId = lease.LeaseId, Units = 1 }, owner, cancellationToken: CancellationToken).ResponseAsync,
            () => Client.ConfirmSaleAsync(Sale(dropId, lease.LeaseId, "r-revoked", 1), owner, cancellationToken: CancellationToken).ResponseAsync,
            () => Client.RsvpAsync(new RsvpRequest { DropId = dropId, Viewer = "v" }, owner, cancellationToken: CancellationToken).ResponseAsync,
            () => Client.HasRsvpAsync(new RsvpRequest { DropId = dropId, Viewer = "v" }, owner, cancellationToken: CancellationToken).ResponseAsync,
        };
        var refusals = new List<StatusCode>();
        foreach (var call in calls)
        {
            refusals.Add((await Assert.ThrowsAsync<RpcException>(call)).StatusCode);
        }

        var sales = await SalesAsync(dropId);
        using var admin = fixture.CreateClient();
        using var allowed = await admin.PostAsync($"/admin/v1/edges/{edgeId}/allow", null, CancellationToken);
        var afterAllow = await Client.HasRsvpAsync(new RsvpRequest { DropId = dropId, Viewer = "v" }, owner, cancellationToken: CancellationToken);

        // Assert
        Assert.All(refusals, static code => Assert.Equal(StatusCode.PermissionDenied, code));
        Assert.Equal(0, sales.GetProperty("sales").GetArrayLength());
        Assert.True(allowed.IsSuccessStatusCode);
        Assert.False(afterAllow.Rsvped);
        Assert.Empty(fixture.ErrorLogs);
    }

    public void Dispose() => _channel.Dispose();

    /// <summary>A selling drop of the test's own (started <paramref name="startedAgo"/>, two hours long) and a lease of 4 units for a fresh edge.</summary>
    private async Task<(string DropId, AcquireLeaseReply Lease, Metadata Owner)> OpenDropWithLeaseAsync(TimeSpan? startedAgo = null)
    {
        var creatorId = NewId("creator");
        var dropId = NewId("drop");
        var startsAt = fixture.TimeProvider.GetUtcNow() - (startedAgo ?? TimeSpan.FromSeconds(30));
        using var client = await AdminAsync(creatorId);
        using (var catalog = await client.PutAsync($"/admin/v1/creators/{creatorId}/catalog", Json(CatalogSamples.Catalog(CatalogSamples.Product(skus: "[" + CatalogSamples.Sku("hoodie-01-m", "M") + "]"))), CancellationToken))
        {
            catalog.EnsureSuccessStatusCode();
        }

        using var put = await client.PutAsync($"/admin/v1/creators/{creatorId}/drops/{dropId}", Json(Body(startsAt)), CancellationToken);
        put.EnsureSuccessStatusCode();
        _edgeId = NewId("edge");
        var owner = Authorization(fixture, _edgeId);
        var lease = await Client.AcquireLeaseAsync(new AcquireLeaseRequest { DropId = dropId, SkuId = "hoodie-01-m", EdgeId = _edgeId, Units = 4, MinUnits = 2 }, owner, cancellationToken: CancellationToken);
        Assert.True(lease.Units >= 2, "The lease was not granted.");
        _creatorId = creatorId;
        return (dropId, lease, owner);
    }

    private async Task<JsonElement> SalesAsync(string dropId)
    {
        using var client = await AdminAsync(_creatorId!);
        return await client.GetFromJsonAsync<JsonElement>($"/admin/v1/creators/{_creatorId}/drops/{dropId}/sales", CancellationToken);
    }

    private static ConfirmSaleRequest Sale(string dropId, string leaseId, string reservationId, int quantity, string key = "")
        => new() { DropId = dropId, SkuId = "hoodie-01-m", LeaseId = leaseId, ReservationId = reservationId, Quantity = quantity, Viewer = "viewer-1", IdempotencyKey = key };

    private async Task<HttpClient> AdminAsync(string creatorId)
    {
        var issuer = fixture.Services.GetRequiredService<AccessTokenIssuer>();
        var (token, _) = await issuer.MintAsync(new TokenRequest("admin-" + creatorId, creatorId, [Scopes.AdminDrops, Scopes.AdminCatalog], TimeSpan.FromHours(1), Audiences.Origin, null), CancellationToken);
        var client = fixture.CreateDefaultClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Body(DateTimeOffset startsAt)
        => $$"""
            {"title":"Bound drop","startsAt":"{{startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}","endsAt":"{{startsAt.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}",
             "perViewerLimit":3,"allocations":[{"skuId":"hoodie-01-m","units":40}]}
            """;
}
