using System.Globalization;
using EdgeCommerce.ServiceDefaults.Observability;

namespace EdgeCommerce.Edge.OriginLink;

/// <summary>The dashboard's "Origin circuit" tile: closed, half-open or open (how many replicas), and when the next probe is due.</summary>
internal sealed class OriginCircuitTile(OriginCalls calls) : IDashboardTile
{
    public DashboardTile Read()
    {
        var open = 0;
        var probing = 0;
        for (var i = 0; i < calls.Count; i++)
        {
            switch (calls.StateOf(i))
            {
                case OriginCircuitState.Open:
                    open++;
                    break;
                case OriginCircuitState.HalfOpen:
                    probing++;
                    break;
            }
        }

        if (open + probing == 0)
        {
            return new DashboardTile("Origin circuit", "closed", calls.Count == 1 ? "calls reach the origin" : $"calls reach all {calls.Count} origin replicas");
        }

        var value = probing > 0 && open == 0 ? "half-open" : "open";
        var of = calls.Count == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $" ({open + probing} of {calls.Count} replicas)");
        var note = open + probing < calls.Count
            ? "calls go to the other replicas"
            : string.Create(CultureInfo.InvariantCulture, $"the origin cannot be reached; next probe within {calls.RetryAfter().TotalSeconds:0.#} s");
        return new DashboardTile("Origin circuit", value + of, note);
    }
}
