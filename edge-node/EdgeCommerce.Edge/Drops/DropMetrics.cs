using System.Diagnostics.Metrics;
using EdgeCommerce.Edge.Drops.Funnel;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// Drop metrics on the edge: reservation outcomes, confirmations, releases and expiries, RSVPs,
/// lease acquisitions and returns. RSVP → reservation → confirmed conversion is the ratio of
/// <c>edgecommerce.drops.rsvps</c>, <c>…reservations{outcome=created}</c> and
/// <c>…confirmations{outcome=confirmed}</c>; exceptions per 1,000 orders are
/// <c>…confirmations{outcome=unavailable|refused}</c> over confirmed. Tags are closed sets.
/// </summary>
internal sealed class DropMetrics : IDisposable
{
    public const string MeterName = "EdgeCommerce.Edge.Drops";

    /// <summary>Reservations the sweeps looked at.</summary>
    public const string SweptName = "edgecommerce.drops.sweep.reservations";

    private readonly Meter _meter;
    private readonly Counter<long> _reservations;
    private readonly Counter<long> _confirmations;
    private readonly Counter<long> _ended;
    private readonly Counter<long> _rsvps;
    private readonly Counter<long> _leases;
    private readonly Counter<long> _leasedUnits;
    private readonly Counter<long> _returnedUnits;
    private readonly Histogram<double> _sweepDuration;
    private readonly Counter<long> _swept;
    private readonly DropFunnel? _funnel;

    /// <param name="funnel">Per-drop counts for the creator's report, fed by the same calls.</param>
    public DropMetrics(IMeterFactory meterFactory, DropFunnel? funnel = null)
    {
        _funnel = funnel;
        _meter = meterFactory.Create(MeterName);
        _reservations = _meter.CreateCounter<long>("edgecommerce.drops.reservations", "{request}", "Reservation requests by outcome (created, replayed, sold_out, not_open, over_limit, unavailable, origin_unreachable, closed, not_found, key_reused).");
        _confirmations = _meter.CreateCounter<long>("edgecommerce.drops.confirmations", "{request}", "Confirmation requests by outcome (confirmed, gone, over_limit, refused, unavailable, origin_unreachable, not_found).");
        _ended = _meter.CreateCounter<long>("edgecommerce.drops.reservations.ended", "{reservation}", "Reservations that ended unsold, by reason (released, expired).");
        _rsvps = _meter.CreateCounter<long>("edgecommerce.drops.rsvps", "{rsvp}", "RSVPs recorded at the origin through this edge.");
        _leases = _meter.CreateCounter<long>("edgecommerce.drops.leases.acquired", "{lease}", "Inventory leases acquired from the origin.");
        _leasedUnits = _meter.CreateCounter<long>("edgecommerce.drops.leases.units", "{unit}", "Units leased from the origin.");
        _returnedUnits = _meter.CreateCounter<long>("edgecommerce.drops.leases.units_returned", "{unit}", "Unused leased units given back to the origin early.");
        _sweepDuration = _meter.CreateHistogram<double>("edgecommerce.drops.sweep.duration", "s", "How long each housekeeping sweep of the reservations took, wall time: expiries, confirms in doubt, and the lease returns to the origin it awaits.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });
        _swept = _meter.CreateCounter<long>(SweptName, "{reservation}", "Reservations the sweeps looked at (those due to expire or be forgotten), not every one remembered.");
    }

    public void Reserved(ReserveStatus status, bool replayed, string? dropId = null)
    {
        if (status == ReserveStatus.Created && !replayed && dropId is not null)
        {
            _funnel?.Reserved(dropId);
        }

        if (!_reservations.Enabled)
        {
            return;
        }

        _reservations.Add(1, new KeyValuePair<string, object?>("outcome", replayed ? "replayed" : status switch
        {
            ReserveStatus.Created => "created",
            ReserveStatus.SoldOut => "sold_out",
            ReserveStatus.NotOpen => "not_open",
            ReserveStatus.OverLimit => "over_limit",
            ReserveStatus.Unavailable => "unavailable",
            ReserveStatus.Closed => "closed",
            ReserveStatus.KeyReused => "key_reused",
            ReserveStatus.OriginUnreachable => "origin_unreachable",
            _ => "not_found",
        }));
    }

    public ConfirmResult Confirmed(ConfirmResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Reservation is { } reservation)
        {
            DropFunnelTiming.Current.Value?.DropId = reservation.DropId;
            if (result.Status == ConfirmStatus.Refused)
            {
                _funnel?.ConfirmFailed(reservation.DropId);
            }
        }

        _confirmations.Add(1, new KeyValuePair<string, object?>("outcome", result.Status switch
        {
            ConfirmStatus.Confirmed => "confirmed",
            ConfirmStatus.Gone => "gone",
            ConfirmStatus.OverLimit => "over_limit",
            ConfirmStatus.Refused => "refused",
            ConfirmStatus.Unavailable => "unavailable",
            ConfirmStatus.OriginUnreachable => "origin_unreachable",
            _ => "not_found",
        }));
        return result;
    }

    public void Released(string? dropId = null)
    {
        _ended.Add(1, new KeyValuePair<string, object?>("reason", "released"));
        if (dropId is not null)
        {
            _funnel?.Released(dropId);
        }
    }

    public void Expired(string? dropId = null)
    {
        _ended.Add(1, new KeyValuePair<string, object?>("reason", "expired"));
        if (dropId is not null)
        {
            _funnel?.Expired(dropId);
        }
    }

    public void Rsvp() => _rsvps.Add(1);

    public void LeaseAcquired(int units)
    {
        _leases.Add(1);
        _leasedUnits.Add(units);
    }

    public void UnitsReturned(int units) => _returnedUnits.Add(units);

    public void Swept(int reservations, TimeSpan duration)
    {
        _swept.Add(reservations);
        _sweepDuration.Record(duration.TotalSeconds);
    }

    public void Dispose() => _meter.Dispose();
}
