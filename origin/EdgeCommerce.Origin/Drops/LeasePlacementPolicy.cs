using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage.Drops;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Drops;

/// <summary>
/// How much of a drop's stock an edge may hold before the doors open: an equal share,
/// among the edges connected to this origin process, of the placeable units (allocation − sold −
/// the origin's reserve). The reserve (<see cref="DropsOptions.PrepositionReserve"/>) stays at the
/// origin for whichever edge's buyers outnumber its share, so an edge may sell up to its share plus
/// the reserve without a unit stranded elsewhere.
/// </summary>
/// <remarks>
/// Not weighted by the edges' reported traffic: that signal (every request of the last minute,
/// browsing included) need not follow where the buyers are, and a share sized by it stranded
/// units on the busier edge while the other's buyers were told "held elsewhere" (the <c>burst</c>
/// benchmark: 185 of 1,000 buyers). Equal shares strand nothing while the buyers' split stays
/// within the reserve of even.
/// </remarks>
internal sealed class LeasePlacementPolicy(EdgeRegistry registry, IOptions<DropsOptions> options)
{
    /// <summary>The placement terms for <paramref name="edgeId"/>, or null when placing is off.</summary>
    public LeasePlacement? For(string edgeId)
    {
        var value = options.Value;
        if (value.PrepositionLead <= TimeSpan.Zero)
        {
            return null;
        }

        var edges = 1;
        foreach (var edge in registry.Local())
        {
            if (edge.Connected && !string.Equals(edge.Id, edgeId, StringComparison.Ordinal))
            {
                edges++;
            }
        }

        return new LeasePlacement(value.PrepositionLead, 1.0 / edges, value.PrepositionReserve);
    }
}
