using EdgeCommerce.Contracts.Edges;
using EdgeCommerce.Origin.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Edges;

/// <summary>
/// Every known edge with its lag, as seen from this origin replica: the store's registry (written
/// by every replica) overlaid with this process's fresher view of its own streams.
/// </summary>
/// <remarks>A revoked edge is listed (marked revoked) but never healthy, so never offered to browsers.</remarks>
internal sealed class EdgeDirectory(IOriginStore store, EdgeRegistry registry, IOptions<RoutingOptions> options, TimeProvider timeProvider, EdgeRevocations? revocations = null)
{
    public async Task<EdgeList> ListAsync(CancellationToken cancellationToken)
    {
        var head = await store.GetHeadRevisionAsync(cancellationToken);
        var compacted = await store.GetCompactedRevisionAsync(cancellationToken);
        var records = (await store.ListEdgesAsync(cancellationToken)).ToDictionary(static e => e.Id, StringComparer.Ordinal);
        foreach (var local in registry.Local())
        {
            if (!records.TryGetValue(local.Id, out var stored) || stored.LastContact <= local.LastContact)
            {
                records[local.Id] = local;
            }
        }

        var now = timeProvider.GetUtcNow();
        var settings = options.Value;
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
            var revoked = revocations is not null && await revocations.IsRevokedAsync(record.Id, cancellationToken);
            // Applied 0 while the origin holds changes: the edge acknowledged nothing on its stream yet
            // (a new stream, or a snapshot still arriving). Recent changes would make its lag in
            // seconds look small, but it has nothing a browser could be sent for.
            var acknowledged = record.AppliedRevision > 0 || head == 0;
            var healthy = connected && acknowledged && !revoked && lagSeconds <= settings.MaxLag.TotalSeconds;
            edges.Add(new EdgeView(record.Id, record.Region, record.PublicUrl, record.ProtocolVersion, record.AppliedRevision,
                lagRevisions, double.IsPositiveInfinity(lagSeconds) ? null : Math.Round(lagSeconds, 3), connected, healthy,
                record.LastContact, record.LastRejection, revoked, registry.ViaOf(record.Id)));
        }

        return new EdgeList(head, compacted, edges);
    }

    /// <summary>
    /// Healthy edges, nearest first: the same region, then the region's adjacency list in order,
    /// then everything else; within a rank, the least lag first.
    /// </summary>
    public async Task<IReadOnlyList<EdgeView>> NearestAsync(string? region, CancellationToken cancellationToken)
    {
        var all = await ListAsync(cancellationToken);
        var adjacency = region is not null && options.Value.Adjacency.TryGetValue(region, out var near) ? near : [];
        return all.Edges
            .Where(static e => e.Healthy && e.Url.Length > 0)
            .OrderBy(e => Rank(e.Region))
            .ThenBy(static e => e.LagRevisions)
            .ThenBy(static e => e.Id, StringComparer.Ordinal)
            .ToList();

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
