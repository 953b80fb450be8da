using EdgeCommerce.Edge.Catalog;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Observability;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Observability;

/// <summary>Which node the dashboard shows.</summary>
internal sealed class EdgeNodeSection(IOptions<EdgeOptions> options) : IDashboardSection
{
    public string Name => "node";

    public ValueTask<object?> DescribeAsync(CancellationToken cancellationToken)
        => ValueTask.FromResult<object?>(new { kind = "edge", id = options.Value.Id, region = options.Value.Region });
}

/// <summary>Widget hits, misses and stale serves over the last minute, and the hit ratio per second.</summary>
internal sealed class WidgetCacheSection(WidgetMetrics metrics) : IDashboardSection
{
    public string Name => "cache";

    public ValueTask<object?> DescribeAsync(CancellationToken cancellationToken) => ValueTask.FromResult<object?>(metrics.Recent());
}

/// <summary>The link to the origin: lag in revisions and seconds, reconnects, snapshots.</summary>
internal sealed class SyncSection(SyncState state) : IDashboardSection
{
    public string Name => "sync";

    public ValueTask<object?> DescribeAsync(CancellationToken cancellationToken) => ValueTask.FromResult<object?>(new
    {
        connected = state.Connected,
        appliedRevision = state.AppliedRevision,
        headRevision = state.HeadRevision,
        lagRevisions = state.LagRevisions,
        lagSeconds = Math.Round(state.LagDuration.TotalSeconds, 3),
        reconnects = state.Reconnects,
        snapshots = state.SnapshotsReceived,
        lastContact = state.LastContact,
    });
}

/// <summary>
/// REVIEW: placeholders until the recommender (model version) and micro-drops (drop stock) land:
/// those features register their own <see cref="IDashboardTile"/> and remove these.
/// </summary>
internal sealed class PlaceholderTile(string title, string note) : IDashboardTile
{
    public DashboardTile Read() => new(title, null, note);
}
