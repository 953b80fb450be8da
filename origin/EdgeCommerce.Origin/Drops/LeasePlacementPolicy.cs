using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage.Drops;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Drops;

/// <summary>
/// How much of a drop's stock an edge may hold before the doors open (issue 20): its share of the
/// placeable units (allocation − sold − the origin's reserve), weighted by the traffic each edge
/// connected to this origin process last reported (requests per second + 1, so edges without a
/// report count equally). The busy edge's buyers find their units in place at the open; the
/// reserve (<see cref="DropsOptions.PrepositionReserve"/>) stays at the origin for whichever edge
/// runs out first, so a quiet edge strands at most its share.
/// </summary>
internal sealed class LeasePlacementPolicy(EdgeRegistry registry, EdgeLoadReports loads, IOptions<DropsOptions> options)
{
    /// <summary>The placement terms for <paramref name="edgeId"/>, or null when placing is off.</summary>
    public LeasePlacement? For(string edgeId)
    {
        var value = options.Value;
        if (value.PrepositionLead <= TimeSpan.Zero)
        {
            return null;
        }

        var mine = Weight(edgeId);
        var total = mine;
        foreach (var edge in registry.Local())
        {
            if (edge.Connected && !string.Equals(edge.Id, edgeId, StringComparison.Ordinal))
            {
                total += Weight(edge.Id);
            }
        }

        return new LeasePlacement(value.PrepositionLead, mine / total, value.PrepositionReserve);
    }

    private double Weight(string edgeId) => 1 + (loads.Latest(edgeId)?.RequestsPerSecond ?? 0);
}
