using System.Collections.Concurrent;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Drops.Funnel;

/// <summary>
/// The drop funnel as this edge sees it: waiting-room tickets issued and admitted,
/// reservations created, released and expired, confirms the origin refused, and reserve/confirm
/// latencies in the shared buckets (<see cref="DropLatencyHistogram"/>), per drop. The counts ride
/// to the origin on the sync stream (the <c>load</c> of an ack, <see cref="AddTo"/>), cumulative
/// since this process started: a lost report is superseded by the next one, and the origin keeps
/// the newest per (drop, edge, boot), so nothing is counted twice. Lock-free: callers are on the
/// reservation hot path.
/// </summary>
internal sealed class DropFunnel(TimeProvider timeProvider)
{
    /// <summary>Drops idle this long are no longer reported (their last counts stay at the origin).</summary>
    public static readonly TimeSpan ReportWindow = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<string, Counts> _drops = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>New at every start of the process: counts start from zero again.</summary>
    public string BootId { get; } = Guid.NewGuid().ToString("N");

    public void Queued(string dropId) => Increment(dropId, static c => ref c.Queued);

    public void Admitted(string dropId) => Increment(dropId, static c => ref c.Admitted);

    public void Reserved(string dropId) => Increment(dropId, static c => ref c.Reserved);

    public void Released(string dropId) => Increment(dropId, static c => ref c.Released);

    public void Expired(string dropId) => Increment(dropId, static c => ref c.Expired);

    public void ConfirmFailed(string dropId) => Increment(dropId, static c => ref c.ConfirmFailed);

    public void ReserveTook(string dropId, TimeSpan elapsed)
        => Interlocked.Increment(ref Of(dropId).ReserveBuckets[DropLatencyHistogram.IndexOf(elapsed.TotalMilliseconds)]);

    public void ConfirmTook(string dropId, TimeSpan elapsed)
        => Interlocked.Increment(ref Of(dropId).ConfirmBuckets[DropLatencyHistogram.IndexOf(elapsed.TotalMilliseconds)]);

    /// <summary>Adds every drop active within <see cref="ReportWindow"/> to <paramref name="load"/>.</summary>
    public void AddTo(EdgeLoad load)
    {
        ArgumentNullException.ThrowIfNull(load);
        var cutoff = timeProvider.GetUtcNow() - ReportWindow;
        foreach (var (dropId, counts) in _drops)
        {
            if (new DateTimeOffset(Interlocked.Read(ref counts.LastActivityTicks), TimeSpan.Zero) < cutoff)
            {
                continue;
            }

            var report = new DropFunnelCounts
            {
                DropId = dropId,
                Queued = Interlocked.Read(ref counts.Queued),
                Admitted = Interlocked.Read(ref counts.Admitted),
                Reserved = Interlocked.Read(ref counts.Reserved),
                Released = Interlocked.Read(ref counts.Released),
                Expired = Interlocked.Read(ref counts.Expired),
                ConfirmFailed = Interlocked.Read(ref counts.ConfirmFailed),
            };
            report.ReserveLatencyBuckets.Add(Trimmed(counts.ReserveBuckets));
            report.ConfirmLatencyBuckets.Add(Trimmed(counts.ConfirmBuckets));
            load.DropFunnels.Add(report);
        }

        if (load.DropFunnels.Count > 0)
        {
            load.BootId = BootId;
            load.FunnelSequence = Interlocked.Increment(ref _sequence);
        }
    }

    private static long[] Trimmed(long[] buckets)
    {
        var copy = new long[buckets.Length];
        var length = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            copy[i] = Interlocked.Read(ref buckets[i]);
            if (copy[i] != 0)
            {
                length = i + 1;
            }
        }

        return copy[..length];
    }

    private delegate ref long Field(Counts counts);

    private void Increment(string dropId, Field field) => Interlocked.Increment(ref field(Of(dropId)));

    private Counts Of(string dropId)
    {
        var counts = _drops.GetOrAdd(dropId, static _ => new Counts());
        Interlocked.Exchange(ref counts.LastActivityTicks, timeProvider.GetUtcNow().UtcTicks);
        return counts;
    }

    private sealed class Counts
    {
        public long Queued;
        public long Admitted;
        public long Reserved;
        public long Released;
        public long Expired;
        public long ConfirmFailed;
        public long LastActivityTicks;
        public readonly long[] ReserveBuckets = new long[DropLatencyHistogram.BucketCount];
        public readonly long[] ConfirmBuckets = new long[DropLatencyHistogram.BucketCount];
    }
}
