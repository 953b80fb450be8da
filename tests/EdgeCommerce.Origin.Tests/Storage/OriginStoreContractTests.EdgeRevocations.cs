using EdgeCommerce.Origin.Storage;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>The revoked edges (issue 14), run against SQLite and PostgreSQL alike: every replica sharing the store reads the same set.</summary>
public abstract partial class OriginStoreContractTests
{
    [Fact]
    public async Task RevokeEdgeAsync_ThenAllow_SetSurvivesReopenAndIsIdempotent()
    {
        // Arrange
        var store = await OpenStoreAsync();
        var revocations = (IEdgeRevocationStore)store;

        // Act
        await revocations.RevokeEdgeAsync("edge-1", Time.GetUtcNow(), CancellationToken);
        await revocations.RevokeEdgeAsync("edge-1", Time.GetUtcNow(), CancellationToken);
        await revocations.RevokeEdgeAsync("edge-2", Time.GetUtcNow(), CancellationToken);
        await CloseStoreAsync(store);
        var reopened = (IEdgeRevocationStore)await OpenStoreAsync();
        var listed = await reopened.ListRevokedEdgesAsync(CancellationToken);
        var allowed = await reopened.AllowEdgeAsync("edge-1", CancellationToken);
        var allowedAgain = await reopened.AllowEdgeAsync("edge-1", CancellationToken);

        // Assert
        Assert.Equal(["edge-1", "edge-2"], listed.Order(StringComparer.Ordinal));
        Assert.True(allowed);
        Assert.False(allowedAgain);
        Assert.False(await reopened.IsEdgeRevokedAsync("edge-1", CancellationToken));
        Assert.True(await reopened.IsEdgeRevokedAsync("edge-2", CancellationToken));
    }
}
