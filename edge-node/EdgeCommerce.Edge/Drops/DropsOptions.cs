using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Edge.Drops;

/// <summary>Edge settings for drop reservations (section <c>Drops</c>).</summary>
public sealed class DropsOptions
{
    public const string SectionName = "Drops";

    /// <summary>How long a reservation holds its units before they return. The default is 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReservationTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long before a lease's expiry (origin clock) the edge stops using it: reservations end at
    /// least this long before the lease does, and confirmations are only sent while the
    /// reservation is unexpired, so up to this much clock difference between edge and origin (plus
    /// the call's latency) never lets the edge sell a unit the origin already took back.
    /// The default is 5 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkewMargin { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Units asked for in a first lease of a SKU; later leases ask for what the previous one sold. The default is 4 units.</summary>
    [Range(1, 1000)]
    public int LeaseUnits { get; set; } = 4;

    /// <summary>The most units one lease request asks for. The default is 20 units.</summary>
    [Range(1, 1000)]
    public int MaxLeaseUnits { get; set; } = 20;

    /// <summary>
    /// How long before a drop's early access (or its start) this edge asks the origin to place
    /// stock here (<see cref="StockPlacement"/>); the origin grants from its own lead on. The
    /// default is 1 minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan PrepositionLead { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The most units one placement asks for; the origin grants this edge's share of the stock
    /// (weighted by the buyers each edge expects) less its reserve. 0 turns placing off on this
    /// edge. The default is 1,000 units.
    /// </summary>
    [Range(0, 1000)]
    public int PrepositionUnits { get; set; } = 1000;

    /// <summary>
    /// Once a drop is open, a SKU's leases on this edge that served no reservation for this long
    /// give their free units back while the origin has fewer left to lease than they hold, so
    /// units placed where buyers did not come reach the edges where they did. Long enough that an
    /// opening's buyers keep the stock placed for them (within a burst no edge idles a second),
    /// short enough that a buyer elsewhere gets the units within <see cref="SurplusWait"/>. The
    /// default is 1 second.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan SurplusIdle { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a reservation refused by the origin ("nothing free") waits for units that other
    /// edges lease but nobody reserves to come back (see <see cref="SurplusIdle"/>) before it is
    /// answered 503. Zero answers at once. The default is 2 seconds: an idle edge returns its
    /// units one to two <see cref="SurplusIdle"/> after its last reservation, and a wait stays
    /// shorter than a client's patience (and than four origin call timeouts).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan SurplusWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The benchmark baseline (perf/ <c>reservations</c>): every reservation asks the origin for
    /// exactly its units, as if there were no edge leases. Never for production. The default is false.
    /// </summary>
    public bool ReserveAtOrigin { get; set; }

    /// <summary>How often expired reservations are returned to their leases and unusable lease units to the origin. The default is 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the units held by this edge's reservations are reported to the origin, coalesced:
    /// every lease that changed in the interval goes in one call, so every edge's <c>available</c>
    /// follows reservations within about this long plus one sync hop. Each report is an origin write
    /// and a revision every edge applies: at 100 ms a busy edge spent about a quarter more CPU per
    /// reservation than without reports, at 200 ms no measurable difference (perf/RESULTS.md, "stock").
    /// The default is 200 milliseconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan HoldsReportInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}
