using System.Globalization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Edge.Catalog;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Recommendations;
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

/// <summary>The recommender model this edge serves (its version), or that popularity answers.</summary>
internal sealed class ModelVersionTile(ModelHolder models) : IDashboardTile
{
    public DashboardTile Read() => models.Current is { } model
        ? new DashboardTile("Model version", model.Version, $"serving · {model.Description.Rows.Count:N0} items · sha256 {model.Sha256[..Math.Min(12, model.Sha256.Length)]}")
        : new DashboardTile("Model version", null, "no model yet: popularity answers");
}

/// <summary>
/// Units of the drops under way on this edge (early access or open) that are not sold yet, as this
/// edge last heard from its origin; the ones scheduled are counted in the note.
/// </summary>
internal sealed class DropStockTile(ReplicaHolder holder, TimeProvider timeProvider) : IDashboardTile
{
    public DashboardTile Read()
    {
        var now = timeProvider.GetUtcNow();
        int live = 0, upcoming = 0;
        long allocated = 0, sold = 0;
        foreach (var drop in holder.Current.Drops.Values)
        {
            switch (DropPhases.Of(drop, now))
            {
                case DropPhase.Open or DropPhase.EarlyAccess:
                    live++;
                    foreach (var sku in drop.Skus)
                    {
                        allocated += sku.Allocation;
                        sold += Math.Min(sku.Sold, sku.Allocation);
                    }

                    break;
                case DropPhase.Scheduled:
                    upcoming++;
                    break;
            }
        }

        if (live == 0)
        {
            return new DashboardTile("Drop stock", null, upcoming == 0 ? "no live drop" : $"no live drop · {upcoming} scheduled");
        }

        return new DashboardTile("Drop stock", (allocated - sold).ToString("N0", CultureInfo.InvariantCulture) + " unsold",
            $"{sold:N0} of {allocated:N0} sold · {live} live drop{(live == 1 ? "" : "s")}" + (upcoming > 0 ? $" · {upcoming} scheduled" : ""));
    }
}
