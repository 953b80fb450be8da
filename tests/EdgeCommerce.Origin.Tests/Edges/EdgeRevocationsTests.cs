using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Origin.Tests.Edges;

/// <summary>
/// Two origin replicas sharing one store (PostgreSQL in production): a revocation made through one
/// ends the edge's stream on the other at its next refresh (Routing:RevocationRefreshInterval), and
/// a hello there reads the store at once. Catches a revocation that only the replica which took it
/// enforces.
/// </summary>
public sealed class EdgeRevocationsTests
{
    [Fact]
    public async Task RefreshAsync_RevokedThroughAnotherReplica_EndsThisReplicasStreamWithPermissionDenied()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        var store = new MemoryRevocationStore();
        var registryHere = new EdgeRegistry(time);
        using var here = new EdgeRevocations(store, registryHere, time);
        using var there = new EdgeRevocations(store, new EdgeRegistry(time), time);
        using var stream = new EdgeStream();
        registryHere.OnConnected("edge-1", "eu-west", "", 2, 0, stream);
        await here.RefreshAsync(cancellationToken);

        // Act
        await there.RevokeAsync("edge-1", cancellationToken);
        var helloRefusedAtOnce = await here.IsRevokedInStoreAsync("edge-1", cancellationToken);
        var endedBeforeRefresh = stream.Ended.IsCancellationRequested;
        await here.RefreshAsync(cancellationToken);

        // Assert
        Assert.True(helloRefusedAtOnce);
        Assert.False(endedBeforeRefresh);
        Assert.Equal(StatusCode.PermissionDenied, stream.Reason?.StatusCode);
        Assert.True(await here.IsRevokedAsync("edge-1", cancellationToken));
        Assert.True(await there.AllowAsync("edge-1", cancellationToken));
        await here.RefreshAsync(cancellationToken);
        Assert.False(await here.IsRevokedAsync("edge-1", cancellationToken));
    }

    private sealed class MemoryRevocationStore : IEdgeRevocationStore
    {
        private readonly HashSet<string> _revoked = new(StringComparer.Ordinal);

        public Task RevokeEdgeAsync(string edgeId, DateTimeOffset at, CancellationToken cancellationToken)
        {
            lock (_revoked)
            {
                _revoked.Add(edgeId);
            }

            return Task.CompletedTask;
        }

        public Task<bool> AllowEdgeAsync(string edgeId, CancellationToken cancellationToken)
        {
            lock (_revoked)
            {
                return Task.FromResult(_revoked.Remove(edgeId));
            }
        }

        public Task<bool> IsEdgeRevokedAsync(string edgeId, CancellationToken cancellationToken)
        {
            lock (_revoked)
            {
                return Task.FromResult(_revoked.Contains(edgeId));
            }
        }

        public Task<IReadOnlyList<string>> ListRevokedEdgesAsync(CancellationToken cancellationToken)
        {
            lock (_revoked)
            {
                return Task.FromResult<IReadOnlyList<string>>([.. _revoked]);
            }
        }
    }
}
