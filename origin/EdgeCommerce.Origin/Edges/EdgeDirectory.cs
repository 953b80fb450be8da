using EdgeCommerce.Contracts.Edges;
using EdgeCommerce.Origin.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Edges;

/// <summary>
/// Every known edge with its lag, as seen from this origin replica: the store's registry (written
/// by every replica) overlaid with this process's fresher view of its own streams.
/// </summary>
/// <remarks>A revoked edge is listed (marked revoked) but never healthy, so never offered to browsers.</remarks>
internal sealed class EdgeDirectory(IOriginStore store, EdgeRegistry registry, IOptions<RoutingOptions> options, TimeProvider timeProvider, EdgeRevocations? revocations = null, RevisionSignal? signal = null)
{
    public async Task<EdgeList> ListAsync(CancellationToken cancellationToken) => (await ReadAsync(cancellationToken)).List;

    /// <summary>The in-memory state a nearest answer depends on, for its output-cache key (<see cref="NearestEdgesCachePolicy.Fingerprint"/>).</summary>
    public async ValueTask<string> FingerprintAsync(CancellationToken cancellationToken)
    {
        var head = signal?.Head ?? await store.GetHeadRevisionAsync(cancellationToken);
        var revoked = revocations is null ? null : await revocations.RevokedAsync(cancellationToken);
        var local = registry.Local().Select(e => (e, revoked?.Contains(e.Id) == true)).ToList();
        return NearestEdgesCachePolicy.Fingerprint(head, local, timeProvider.GetUtcNow(), options.Value.ContactTimeout);
    }

    private async Task<DirectoryRead> ReadAsync(CancellationToken cancellationToken)
    {
        // Read before the store, so the store's state is at least as new as the fingerprint says.
        var published = signal?.Head;
        var head = await store.GetHeadRevisionAsync(cancellationToken);
        var compacted = await store.GetCompactedRevisionAsync(cancellationToken);
        var records = (await store.ListEdgesAsync(cancellationToken)).ToDictionary(static e => e.Id, StringComparer.Ordinal);
        var local = registry.Local();
        foreach (var record in local)
        {
            if (!records.TryGetValue(record.Id, out var stored) || stored.LastContact <= record.LastContact)
            {
                records[record.Id] = record;
            }
        }

        var now = timeProvider.GetUtcNow();
        var settings = options.Value;
        // One read of the set for the answer and its fingerprint alike.
        var revokedSet = revocations is null ? null : await revocations.RevokedAsync(cancellationToken);
        var edges = new List<EdgeView>(records.Count);
        foreach (var record in records.Values.OrderBy(static e => e.Id, StringComparer.Ordinal))
        {
            var lagRevisions = Math.Max(0, head - record.AppliedRevision);
            double lagSeconds = 0;
            if (lagRevisions > 0)
            {
                // Lag in time: how long ago the first change this edge lacks was committed.
                var firstMissing = await store.GetRevisionTimeAsync(record.AppliedRevision + 1, cancellationToken);
                lagSeconds = firstMissing is { } at ? Math.Max(0, (now - at).TotalSeconds) : double.PositiveInfinity;
            }

            var connected = record.Connected && now - record.LastContact <= settings.ContactTimeout;
            var revoked = revokedSet?.Contains(record.Id) == true;
            // Applied 0 while the origin holds changes: the edge acknowledged nothing on its stream yet
            // (a new stream, or a snapshot still arriving). Recent changes would make its lag in
            // seconds look small, but it has nothing a browser could be sent for.
            var acknowledged = record.AppliedRevision > 0 || head == 0;
            var healthy = connected && acknowledged && !revoked && lagSeconds <= settings.MaxLag.TotalSeconds;
            edges.Add(new EdgeView(record.Id, record.Region, record.PublicUrl, record.ProtocolVersion, record.AppliedRevision,
                lagRevisions, double.IsPositiveInfinity(lagSeconds) ? null : Math.Round(lagSeconds, 3), connected, healthy,
                record.LastContact, record.LastRejection, revoked, registry.ViaOf(record.Id)));
        }

        var fingerprint = NearestEdgesCachePolicy.Fingerprint(
            published ?? head, local.Select(e => (e, revokedSet?.Contains(e.Id) == true)).ToList(), now, settings.ContactTimeout);
        return new DirectoryRead(new EdgeList(head, compacted, edges), fingerprint, local.Select(static e => e.Id).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>
    /// Healthy edges, nearest first: the same region, then the region's adjacency list in order,
    /// then everything else; within a rank, the least lag first.
    /// </summary>
    public async Task<IReadOnlyList<EdgeView>> NearestAsync(string? region, CancellationToken cancellationToken)
        => (await NearestAnswerAsync(region, cancellationToken)).Edges;

    /// <summary><see cref="NearestAsync"/> with what it was computed from, for the output cache (<see cref="NearestEdgesCachePolicy"/>).</summary>
    public async Task<NearestAnswer> NearestAnswerAsync(string? region, CancellationToken cancellationToken)
    {
        var read = await ReadAsync(cancellationToken);
        var adjacency = region is not null && options.Value.Adjacency.TryGetValue(region, out var near) ? near : [];
        var edges = read.List.Edges
            .Where(static e => e.Healthy && e.Url.Length > 0)
            .OrderBy(e => Rank(e.Region))
            .ThenBy(static e => e.LagRevisions)
            .ThenBy(static e => e.Id, StringComparer.Ordinal)
            .ToList();
        return new NearestAnswer(edges, read.Fingerprint, edges.Any(static e => e.LagRevisions > 0), edges.Any(e => !read.LocalIds.Contains(e.Id)));

        int Rank(string edgeRegion)
        {
            if (string.Equals(edgeRegion, region, StringComparison.Ordinal))
            {
                return 0;
            }

            var index = Array.IndexOf(adjacency, edgeRegion);
            return index >= 0 ? 1 + index : int.MaxValue;
        }
    }
}

/// <param name="LocalIds">The edges this process's registry holds (the rest are known from the store only).</param>
internal sealed record DirectoryRead(EdgeList List, string Fingerprint, IReadOnlySet<string> LocalIds);
