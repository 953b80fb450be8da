using System.Collections.Concurrent;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// The reservations by when the sweep next has something to do with each (expire it at its
/// <see cref="Reservation.ExpiresAt"/>, forget it a TTL later), so a sweep touches only those due
/// instead of walking every reservation the edge remembers (tens of thousands during a drop, each
/// sweep). A new reservation goes into a lock-free queue (the reservation path never waits for a
/// sweep); the sweep moves them into a min-heap by deadline, which only it reads and changes.
/// </summary>
/// <remarks>
/// Deadlines are not in creation order (a reservation ends no later than its lease is usable,
/// so one taken from an older lease can end before earlier ones of a newer lease): hence a heap,
/// not a queue.
/// </remarks>
internal sealed class ReservationDeadlines
{
    private readonly ConcurrentQueue<Reservation> _added = new();
    private readonly PriorityQueue<Reservation, DateTimeOffset> _due = new();

    // Sweeps run one at a time (DropHousekeeping); the lock only keeps a test's or a stray second
    // sweep from corrupting the heap.
    private readonly Lock _gate = new();

    /// <summary>Reservations waiting for a deadline (for tests and status).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _added.Count + _due.Count;
            }
        }
    }

    /// <summary>A new reservation: due at its <see cref="Reservation.ExpiresAt"/>.</summary>
    public void Add(Reservation reservation) => _added.Enqueue(reservation);

    /// <summary>The next reservation whose deadline is at or before <paramref name="now"/>, taken out of the index (put it back with <see cref="Later"/>).</summary>
    public bool TryTakeDue(DateTimeOffset now, out Reservation reservation)
    {
        lock (_gate)
        {
            while (_added.TryDequeue(out var added))
            {
                _due.Enqueue(added, added.ExpiresAt);
            }

            if (_due.TryPeek(out _, out var at) && at <= now)
            {
                reservation = _due.Dequeue();
                return true;
            }

            reservation = null!;
            return false;
        }
    }

    /// <summary>Due again at <paramref name="at"/>: a sweep at that time or later takes it (not the one running, if <paramref name="at"/> is after its time).</summary>
    public void Later(Reservation reservation, DateTimeOffset at)
    {
        lock (_gate)
        {
            _due.Enqueue(reservation, at);
        }
    }
}
