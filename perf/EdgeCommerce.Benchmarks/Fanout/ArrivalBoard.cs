using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeCommerce.Benchmarks.Fanout;

/// <summary>
/// When each simulated edge received each awaited revision (<see cref="Stopwatch"/> timestamps).
/// The benchmark is the origin's only writer, so it opens a slot for the revision a write will get
/// before sending it; every stream then stamps its own cell, and the last stamp completes the slot.
/// </summary>
internal sealed class ArrivalBoard(int edges)
{
    private readonly ConcurrentDictionary<long, Slot> _slots = new();

    public Slot Open(long revision) => _slots.GetOrAdd(revision, _ => new Slot(edges));

    public void Close(long revision) => _slots.TryRemove(revision, out _);

    /// <summary>Edge <paramref name="edge"/> received every revision in (<paramref name="after"/>, <paramref name="upTo"/>] at <paramref name="timestamp"/>.</summary>
    public void Record(int edge, long after, long upTo, long timestamp)
    {
        for (var revision = after + 1; revision <= upTo; revision++)
        {
            if (_slots.TryGetValue(revision, out var slot))
            {
                slot.Record(edge, timestamp);
            }
        }
    }

    internal sealed class Slot(int edges)
    {
        private readonly long[] _arrivals = new long[edges];
        private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = edges;

        /// <summary>Completes once every edge has the revision.</summary>
        public Task Complete => _complete.Task;

        /// <summary>Arrival per edge; 0 for an edge that has not received it.</summary>
        public IReadOnlyList<long> Arrivals => _arrivals;

        public int Missing => Volatile.Read(ref _remaining);

        public void Record(int edge, long timestamp)
        {
            if (Interlocked.CompareExchange(ref _arrivals[edge], timestamp, 0) == 0 && Interlocked.Decrement(ref _remaining) == 0)
            {
                _complete.TrySetResult();
            }
        }
    }
}
