using System.Diagnostics.Metrics;
using EdgeCommerce.Origin.Storage.Drops;

namespace EdgeCommerce.Origin.Drops;

/// <summary>Drop inventory at the origin: lease outcomes, returned units, sales and RSVPs. Tags are closed sets.</summary>
internal sealed class DropMetrics : IDisposable
{
    public const string MeterName = "EdgeCommerce.Origin.Drops";

    private readonly Meter _meter;
    private readonly Counter<long> _leases;
    private readonly Counter<long> _returned;
    private readonly Counter<long> _sales;
    private readonly Counter<long> _unitsSold;
    private readonly Counter<long> _rsvps;
    private readonly Counter<long> _leaseCommits;
    private readonly Histogram<int> _leaseBatch;

    public DropMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _leases = _meter.CreateCounter<long>("edgecommerce.drops.leases", "{lease}", "Lease requests from edges, by outcome (granted, none_free, sold_out, refused).");
        _returned = _meter.CreateCounter<long>("edgecommerce.drops.lease.units_returned", "{unit}", "Units edges gave back before their lease expired.");
        _sales = _meter.CreateCounter<long>("edgecommerce.drops.sales", "{sale}", "Sale confirmations, by outcome (confirmed, duplicate, viewer_limit, lease_expired, refused).");
        _unitsSold = _meter.CreateCounter<long>("edgecommerce.drops.units_sold", "{unit}", "Units sold.");
        _rsvps = _meter.CreateCounter<long>("edgecommerce.drops.rsvps", "{rsvp}", "RSVPs recorded (repeats included).");
        _leaseCommits = _meter.CreateCounter<long>("edgecommerce.drops.lease.commits", "{transaction}", "Lease write transactions (a group commit holds every lease request that arrived while the previous one committed).");
        _leaseBatch = _meter.CreateHistogram<int>("edgecommerce.drops.lease.batch", "{request}", "Lease requests per write transaction.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
    }

    public void LeaseOutcome(LeaseRefusal refusal)
        => _leases.Add(1, new KeyValuePair<string, object?>("outcome", refusal switch
        {
            LeaseRefusal.None => "granted",
            LeaseRefusal.NoneFree => "none_free",
            LeaseRefusal.SoldOut => "sold_out",
            _ => "refused",
        }));

    public void UnitsReturned(int units) => _returned.Add(units);

    public void SaleOutcome(SaleOutcome outcome, int quantity)
    {
        _sales.Add(1, new KeyValuePair<string, object?>("outcome", outcome switch
        {
            Storage.Drops.SaleOutcome.Confirmed => "confirmed",
            Storage.Drops.SaleOutcome.AlreadyConfirmed or Storage.Drops.SaleOutcome.Duplicate => "duplicate",
            Storage.Drops.SaleOutcome.ViewerLimit => "viewer_limit",
            Storage.Drops.SaleOutcome.LeaseExpired => "lease_expired",
            _ => "refused",
        }));
        if (outcome == Storage.Drops.SaleOutcome.Confirmed)
        {
            _unitsSold.Add(quantity);
        }
    }

    public void Rsvp() => _rsvps.Add(1);

    /// <summary>One lease write transaction holding <paramref name="requests"/> lease requests.</summary>
    public void LeaseCommit(int requests)
    {
        _leaseCommits.Add(1);
        _leaseBatch.Record(requests);
    }

    public void Dispose() => _meter.Dispose();
}
