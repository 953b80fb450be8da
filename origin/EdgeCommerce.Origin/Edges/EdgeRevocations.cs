using System.Collections.Frozen;
using EdgeCommerce.Origin.Storage;
using Grpc.Core;

namespace EdgeCommerce.Origin.Edges;

/// <summary>
/// The revoked edges as this origin replica knows them: an immutable set swapped atomically,
/// re-read from the store every <see cref="RoutingOptions.RevocationRefreshInterval"/> (so a
/// revocation made through another replica reaches this one within that interval) and updated at
/// once for revocations made here. Newly revoked edges lose their open streams on this replica.
/// A hello reads the store itself (<see cref="IsRevokedInStoreAsync"/>), so a revoked edge cannot
/// reconnect anywhere; lease calls read the set (one lookup, no store round trip per call).
/// </summary>
internal sealed class EdgeRevocations(IEdgeRevocationStore store, EdgeRegistry registry, TimeProvider timeProvider) : IDisposable
{
    internal const string RevokedDetail = "This edge was revoked by the operator.";

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile FrozenSet<string>? _revoked;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the set next changes (an edge revoked or allowed), so relays hear it at once.</summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    /// <summary>Whether <paramref name="edgeId"/> is revoked, from the set (loaded on first use: fail closed, never "unknown").</summary>
    public async ValueTask<bool> IsRevokedAsync(string edgeId, CancellationToken cancellationToken)
        => (_revoked ?? await RefreshAsync(cancellationToken)).Contains(edgeId);

    /// <summary>Every revoked edge, from the set (for relays, which refuse and end them too).</summary>
    public async ValueTask<IReadOnlyCollection<string>> RevokedAsync(CancellationToken cancellationToken)
        => _revoked ?? await RefreshAsync(cancellationToken);

    /// <summary>Whether <paramref name="edgeId"/> is revoked, read from the store now (for a hello).</summary>
    public Task<bool> IsRevokedInStoreAsync(string edgeId, CancellationToken cancellationToken) => store.IsEdgeRevokedAsync(edgeId, cancellationToken);

    /// <summary>Revokes <paramref name="edgeId"/>: stored, then its stream on this replica ends with <c>PERMISSION_DENIED</c>.</summary>
    public async Task RevokeAsync(string edgeId, CancellationToken cancellationToken)
    {
        await store.RevokeEdgeAsync(edgeId, timeProvider.GetUtcNow(), cancellationToken);
        await RefreshAsync(cancellationToken);
        // Also when the set already held it (revoked twice): a stream that raced its hello past
        // the first revocation ends now.
        registry.EndStream(edgeId, StatusCode.PermissionDenied, RevokedDetail);
    }

    /// <summary>Lifts a revocation. Returns false when the edge was not revoked.</summary>
    public async Task<bool> AllowAsync(string edgeId, CancellationToken cancellationToken)
    {
        var allowed = await store.AllowEdgeAsync(edgeId, cancellationToken);
        await RefreshAsync(cancellationToken);
        return allowed;
    }

    /// <summary>Re-reads the set and ends this replica's streams of edges revoked since the last read.</summary>
    public async Task<FrozenSet<string>> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            var next = (await store.ListRevokedEdgesAsync(cancellationToken)).ToFrozenSet(StringComparer.Ordinal);
            var previous = _revoked;
            _revoked = next;
            if (previous is not null && !previous.SetEquals(next))
            {
                Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }

            foreach (var edgeId in next)
            {
                if (previous is null || !previous.Contains(edgeId))
                {
                    registry.EndStream(edgeId, StatusCode.PermissionDenied, RevokedDetail);
                }
            }

            return next;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();
}
