using EdgeCommerce.ServiceDefaults.Observability;

namespace EdgeCommerce.Origin.Edges;

/// <summary>Which node the dashboard shows.</summary>
internal sealed class OriginNodeSection : IDashboardSection
{
    public string Name => "node";

    public ValueTask<object?> DescribeAsync(CancellationToken cancellationToken) => ValueTask.FromResult<object?>(new { kind = "origin" });
}

/// <summary>
/// The overview of every edge on the origin's dashboard: link state, lag in revisions and seconds
/// (from <see cref="EdgeDirectory"/>, as <c>/admin/v1/edges</c>) and the latency each edge reports
/// about itself over the sync stream.
/// </summary>
internal sealed class EdgesDashboardSection(EdgeDirectory directory, EdgeLoadReports reports) : IDashboardSection
{
    public string Name => "edges";

    public async ValueTask<object?> DescribeAsync(CancellationToken cancellationToken)
    {
        var list = await directory.ListAsync(cancellationToken);
        return new
        {
            headRevision = list.HeadRevision,
            edges = list.Edges.Select(e => new
            {
                id = e.Id,
                region = e.Region,
                via = e.Via,
                connected = e.Connected,
                healthy = e.Healthy,
                appliedRevision = e.AppliedRevision,
                lagRevisions = e.LagRevisions,
                lagSeconds = e.LagSeconds,
                report = e.Connected ? reports.Latest(e.Id) : null,
            }).ToList(),
        };
    }
}
