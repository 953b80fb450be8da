using System.Collections.Concurrent;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage.Drops;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Drops;

/// <summary>
/// How much of a drop's stock an edge may hold before the doors open: its share, among
/// the edges connected to this origin process, of the placeable units (allocation − sold − the
/// origin's reserve), weighted by the buyers each edge expects for the drop (the RSVPs it took and
/// the viewers in its waiting room, sent with its placement request). The reserve
/// (<see cref="DropsOptions.PrepositionReserve"/>) stays at the origin for whichever edge's buyers
/// outnumber its share.
/// </summary>
/// <remarks>
/// A weight is an edge's expected buyers plus one, so an edge that expects nobody still gets a
/// unit or two and no signal at all means equal shares. An edge that has not asked yet (its count
/// is unknown) is weighed as the mean of those that have, so the first edge to ask does not take
/// everything. The weights follow the buyers of this drop only, not the edges' reported traffic
/// (every request, browsing included): shares sized by traffic strand units where viewers browse
/// but do not buy (perf/RESULTS.md, <c>burst</c>). A wrong weight costs refill round trips, not
/// sales: the reserve serves the busier edge first, and once the origin holds fewer free units
/// than an idle edge, that edge gives its free units back (the edge's <c>StockPlacement</c>),
/// where the busy edge's waiting buyers get them.
/// </remarks>
internal sealed class LeasePlacementPolicy(EdgeRegistry registry, IOptions<DropsOptions> options, TimeProvider timeProvider)
{
    /// <summary>How long an edge's count is remembered: placements happen within the lead before an opening.</summary>
    private static readonly TimeSpan ReportLifetime = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<(string DropId, string EdgeId), (int Buyers, DateTimeOffset At)> _expected = new();

    /// <summary>
    /// The placement terms for <paramref name="edgeId"/>, which expects <paramref name="expectedBuyers"/>
    /// buyers for <paramref name="dropId"/>, or null when placing is off.
    /// </summary>
    public LeasePlacement? For(string edgeId, string dropId, int expectedBuyers)
    {
        var value = options.Value;
        if (value.PrepositionLead <= TimeSpan.Zero)
        {
            return null;
        }

        // Weights of the other connected edges: their count for this drop, or null when unknown.
        var others = new List<int?>();
        foreach (var edge in registry.Local())
        {
            if (edge.Connected && !string.Equals(edge.Id, edgeId, StringComparison.Ordinal))
            {
                others.Add(_expected.TryGetValue((dropId, edge.Id), out var known) ? known.Buyers : null);
            }
        }

        return new LeasePlacement(value.PrepositionLead, Share(Math.Max(0, expectedBuyers), others), value.PrepositionReserve);
    }

    /// <summary>
    /// The asking edge's part in (0, 1]: <c>(buyers + 1) ÷ Σ (each edge's buyers + 1)</c>, an edge
    /// with an unknown count (<c>null</c>) weighed as the mean of the known ones, this edge's included.
    /// </summary>
    internal static double Share(int buyers, IReadOnlyList<int?> others)
    {
        ArgumentNullException.ThrowIfNull(others);
        var known = others.Where(static o => o is not null).Select(static o => (double)o!.Value + 1).Append(buyers + 1).ToList();
        var unknownWeight = known.Average();
        var total = known.Sum() + (others.Count(static o => o is null) * unknownWeight);
        return (buyers + 1) / total;
    }

    /// <summary>
    /// Remembers an edge's count for a drop that exists (called after its placement was answered,
    /// so made-up drop ids fill nothing), for the shares of the edges that ask after it.
    /// </summary>
    public void Remember(string edgeId, string dropId, int expectedBuyers)
    {
        var now = timeProvider.GetUtcNow();
        _expected[(dropId, edgeId)] = (Math.Max(0, expectedBuyers), now);
        Forget(now);
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (key, (_, at)) in _expected)
        {
            if (now - at > ReportLifetime)
            {
                _expected.TryRemove(key, out _);
            }
        }
    }
}
