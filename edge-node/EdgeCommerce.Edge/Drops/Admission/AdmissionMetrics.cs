using System.Diagnostics.Metrics;

namespace EdgeCommerce.Edge.Drops.Admission;

/// <summary>
/// The waiting rooms of this edge, all drops together (no drop ids in tags): viewers waiting,
/// viewers holding a pass, admissions (immediate or after queueing), time waited, and refusals.
/// Tag values come from closed sets.
/// </summary>
internal sealed class AdmissionMetrics : IDisposable
{
    public const string MeterName = "EdgeCommerce.Edge.Drops.Admission";
    public const string QueueLengthName = "edgecommerce.drops.queue.length";
    public const string PassesName = "edgecommerce.drops.queue.passes";
    public const string AdmissionsName = "edgecommerce.drops.queue.admissions";
    public const string WaitName = "edgecommerce.drops.queue.wait.duration";
    public const string RefusalsName = "edgecommerce.drops.queue.refusals";
    public const string UsedName = "edgecommerce.drops.queue.passes.used";
    public const string MovedName = "edgecommerce.drops.queue.moved";

    // Waits are seconds to many minutes, not the request buckets of TelemetryNames.DurationBuckets.
    private static readonly double[] s_waitBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];

    private static readonly KeyValuePair<string, object?> s_immediate = new("path", "immediate");
    private static readonly KeyValuePair<string, object?> s_queued = new("path", "queued");

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _length;
    private readonly UpDownCounter<long> _passes;
    private readonly Counter<long> _admissions;
    private readonly Histogram<double> _wait;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _used;
    private readonly Counter<long> _moved;

    private readonly Funnel.DropFunnel? _funnel;

    /// <param name="funnel">Per-drop counts for the creator's report: tickets issued and admitted.</param>
    public AdmissionMetrics(IMeterFactory meterFactory, Funnel.DropFunnel? funnel = null)
    {
        _funnel = funnel;
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _length = _meter.CreateUpDownCounter<long>(QueueLengthName, "{viewer}", "Viewers waiting in drop waiting rooms on this edge (before the start or in the queue).");
        _passes = _meter.CreateUpDownCounter<long>(PassesName, "{viewer}", "Viewers holding an unexpired admission pass on this edge.");
        _admissions = _meter.CreateCounter<long>(AdmissionsName, "{viewer}", "Viewers admitted, by path (immediate: nobody was waiting; queued: after waiting their turn).");
        _wait = _meter.CreateHistogram<double>(WaitName, "s", "Time from joining the queue (or from the drop's start, for earlier arrivals) to admission, for queued admissions.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_waitBuckets });
        _refusals = _meter.CreateCounter<long>(RefusalsName, "{request}", "Waiting-room refusals and losses by reason (room_full, invalid_ticket, abandoned).");
        _used = _meter.CreateCounter<long>(UsedName, "{viewer}", "Passes ended before their time because they were used (the viewer reached the per-viewer limit or bought).");
        _moved = _meter.CreateCounter<long>(MovedName, "{viewer}", "Queue tickets signed by another edge (or before a restart) honoured here at the place they held.");
    }

    public void Joined(string? dropId = null)
    {
        _length.Add(1);
        if (dropId is not null)
        {
            _funnel?.Queued(dropId);
        }
    }

    public void LeftQueue() => _length.Add(-1);

    public void Admitted(TimeSpan waited, string? dropId = null)
    {
        _passes.Add(1);
        if (dropId is not null)
        {
            _funnel?.Admitted(dropId);
        }

        if (waited <= TimeSpan.Zero)
        {
            _admissions.Add(1, s_immediate);
            return;
        }

        _admissions.Add(1, s_queued);
        _wait.Record(waited.TotalSeconds);
    }

    public void PassEnded() => _passes.Add(-1);

    public void PassUsed() => _used.Add(1);

    public void Moved() => _moved.Add(1);

    public void Refused(string reason) => _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A room was dropped with these viewers still in it.</summary>
    public void RoomClosed(int waiting, int admitted)
    {
        _length.Add(-waiting);
        _passes.Add(-admitted);
    }

    public void Dispose() => _meter.Dispose();
}
