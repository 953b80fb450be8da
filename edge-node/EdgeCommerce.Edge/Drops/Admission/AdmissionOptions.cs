using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Edge.Drops.Admission;

/// <summary>
/// The edge's waiting room for drops (section <c>Drops:Admission</c>): how many viewers of one drop
/// may hold an admission pass on this edge at once, how fast more are let in, and how big the room
/// may grow. Every figure is per drop and per edge (like Cloudflare's waiting room, each data
/// centre admits its own share).
/// </summary>
public sealed class AdmissionOptions
{
    public const string SectionName = "Drops:Admission";

    /// <summary>Whether reservations go through the waiting room at all. The default is true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Viewers of one drop holding an unexpired pass on this edge at once, at most. The default is 500 viewers.</summary>
    [Range(1, 1_000_000)]
    public int MaxAdmitted { get; set; } = 500;

    /// <summary>
    /// Also at most this many admitted viewers per unsold unit of the drop (so the queue reflects the
    /// stock: with 40 hoodies left, 80 viewers shop at once, not 500); 0 turns the stock cap off.
    /// The default is 2 viewers per unit.
    /// </summary>
    [Range(0, 1000)]
    public double ViewersPerUnsoldUnit { get; set; } = 2;

    /// <summary>New passes per second (a token bucket on the injected clock). The default is 50 per second.</summary>
    [Range(0.01, 100_000)]
    public double AdmissionsPerSecond { get; set; } = 50;

    /// <summary>Passes that may be handed out at once before the rate applies. The default is 50.</summary>
    [Range(1, 100_000)]
    public int AdmissionBurst { get; set; } = 50;

    /// <summary>How long a pass lets its viewer reserve. The default is 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PassDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A waiting viewer not heard from (status poll or reservation attempt) for this long has left:
    /// at its turn it is skipped rather than given a pass nobody uses. The default is 30 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AbandonAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tickets (waiting and admitted) one drop's room holds at most; beyond it, 503 with Retry-After. The default is 50,000.</summary>
    [Range(1, 10_000_000)]
    public int MaxTickets { get; set; } = 50_000;

    /// <summary>
    /// A file holding the queue ticket key (base64 of at least 32 bytes) that every edge of the
    /// deployment shares, so a ticket checks on any edge and a viewer moved off a dead edge keeps
    /// their place. Unset (the default): a key of this process's own, and a ticket checks only on
    /// the edge that issued it, until it restarts.
    /// </summary>
    public string? TicketKeyPath { get; set; }

    /// <summary>Admissions over this window give the observed rate behind each estimate. The default is 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RateWindow { get; set; } = TimeSpan.FromSeconds(10);
}
