namespace EdgeCommerce.ServiceDefaults.Observability;

/// <summary>
/// Counts of a few closed outcomes over the last minute in one-second slots (for example widget
/// hits and misses, for the dashboard's hit ratio). Lock-free like <see cref="RequestLatencyWindow"/>.
/// </summary>
public sealed class RollingCounts
{
    private readonly TimeProvider _timeProvider;
    private readonly long _origin;
    private readonly int _outcomes;
    private readonly Slot?[] _slots = new Slot?[RequestLatencyWindow.Seconds];

    /// <param name="outcomes">How many outcomes (indices 0 .. outcomes-1) are counted.</param>
    public RollingCounts(int outcomes, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outcomes);
        _outcomes = outcomes;
        _timeProvider = timeProvider;
        _origin = timeProvider.GetTimestamp();
    }

    public void Increment(int outcome)
    {
        var second = CurrentSecond();
        var index = (int)(second % _slots.Length);
        var slot = Volatile.Read(ref _slots[index]);
        if (slot is null || slot.Second != second)
        {
            var fresh = new Slot(second, _outcomes);
            var seen = Interlocked.CompareExchange(ref _slots[index], fresh, slot);
            slot = ReferenceEquals(seen, slot) ? fresh : seen!;
        }

        Interlocked.Increment(ref slot.Counts[outcome]);
    }

    /// <summary>Totals per outcome over the last minute.</summary>
    public long[] Totals()
    {
        var now = CurrentSecond();
        var totals = new long[_outcomes];
        foreach (var slot in _slots)
        {
            if (slot is not null && slot.Second > now - _slots.Length && slot.Second <= now)
            {
                for (var i = 0; i < _outcomes; i++)
                {
                    totals[i] += Volatile.Read(ref slot.Counts[i]);
                }
            }
        }

        return totals;
    }

    /// <summary>Per-second counts of each outcome, oldest first, the current second last.</summary>
    public long[][] Series()
    {
        var now = CurrentSecond();
        var series = new long[_slots.Length][];
        for (var offset = 0; offset < _slots.Length; offset++)
        {
            var second = now - _slots.Length + 1 + offset;
            var counts = new long[_outcomes];
            if (second >= 0 && Volatile.Read(ref _slots[(int)(second % _slots.Length)]) is { } slot && slot.Second == second)
            {
                for (var i = 0; i < _outcomes; i++)
                {
                    counts[i] = Volatile.Read(ref slot.Counts[i]);
                }
            }

            series[offset] = counts;
        }

        return series;
    }

    private long CurrentSecond() => (long)_timeProvider.GetElapsedTime(_origin).TotalSeconds;

    private sealed class Slot(long second, int outcomes)
    {
        public readonly long Second = second;
        public readonly long[] Counts = new long[outcomes];
    }
}
