namespace EdgeCommerce.Edge.Drops.Admission;

/// <summary>
/// One drop's waiting room on this edge (the Queue-it model): viewers who arrive before the drop
/// opens are shuffled with a CSPRNG at the start, so the fastest connection does not win; later
/// arrivals queue in arrival order (a ticket moved from another edge by the time it joined there);
/// the head of the queue is admitted while fewer than <see cref="RoomConditions.Capacity"/> viewers
/// hold a pass they have not used yet, at most <see cref="AdmissionOptions.AdmissionsPerSecond"/>
/// (a token bucket on the injected clock). A pass ends when it runs out or is used
/// (<see cref="Used"/>: the viewer reached the per-viewer limit or bought), freeing its place.
/// Nothing runs by itself: every call advances the room to its <c>now</c> first, so the room is
/// exact whenever anyone looks, and a periodic sweep only frees memory. One lock guards it all;
/// every operation under it is O(1) amortized or a binary search, except the shuffle, which runs
/// once, and placing a moved ticket, which shifts the tickets behind it.
/// </summary>
internal sealed class WaitingRoom
{
    private readonly Lock _gate = new();
    private readonly AdmissionOptions _options;
    private readonly Func<int, int> _random;
    private readonly AdmissionMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Dictionary<Guid, RoomTicket> _byId = [];
    private readonly Dictionary<string, RoomTicket> _byViewer = new(StringComparer.Ordinal);
    private readonly List<RoomTicket> _beforeStart = [];
    // Sorted by (Place, Sequence); tickets before _head were dequeued. A list rather than a queue:
    // a position is a binary search, and a moved ticket is inserted at its place.
    private readonly List<RoomTicket> _queue = [];
    // Passes all last PassDuration, so admission order is expiry order; used passes stay until
    // then (skipped), _passes counts the live ones.
    private readonly Queue<RoomTicket> _admitted = new();
    // Moved tickets honoured here, so one is not honoured again after its pass ended.
    private readonly HashSet<Guid> _honoured = [];
    private readonly Queue<DateTimeOffset> _recentAdmissions = new();
    private bool _started;
    private bool _fullLogged;
    private long _nextSequence = 1;
    private int _head;
    private int _passes;
    private int _waiting;
    private double _tokens;
    private DateTimeOffset _refilledAt;
    private DateTimeOffset? _firstAdmissionAt;

    /// <param name="random">Returns an integer in [0, n): the CSPRNG in production; tests may inject a seeded one.</param>
    public WaitingRoom(string dropId, AdmissionOptions options, Func<int, int> random, AdmissionMetrics metrics, ILogger logger, DateTimeOffset now)
    {
        _logger = logger;
        DropId = dropId;
        _options = options;
        _random = random;
        _metrics = metrics;
        _tokens = options.AdmissionBurst;
        _refilledAt = now;
    }

    public string DropId { get; }

    /// <summary>Viewers waiting (before the start or in the queue), including ones who left and were not reached yet.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting;
            }
        }
    }

    /// <summary>Viewers holding a pass they have not used (as of the last call).</summary>
    public int Admitted
    {
        get
        {
            lock (_gate)
            {
                return _passes;
            }
        }
    }

    /// <summary>
    /// The viewer's live ticket, or a new one: admitted at once when nobody waits and there is
    /// room and rate for a pass, else queued (or set aside until the start). A <paramref name="moved"/>
    /// ticket (signed by another edge, not honoured here before) keeps its id and stands where its
    /// join time puts it. Null when the room is full.
    /// </summary>
    public (TicketStatus Status, bool Created)? Join(string viewerKey, DateTimeOffset now, RoomConditions conditions, MovedTicket? moved = null)
    {
        lock (_gate)
        {
            Advance(now, conditions);
            if (_byViewer.TryGetValue(viewerKey, out var existing))
            {
                existing.LastSeen = now;
                return (StatusOf(existing, now), false);
            }

            if (_byId.Count >= _options.MaxTickets)
            {
                if (!_fullLogged)
                {
                    _fullLogged = true;
                    AdmissionLog.RoomFull(_logger, DropId, _options.MaxTickets);
                }

                return null;
            }

            _fullLogged = false;
            var beforeStart = now < conditions.StartsAt;
            RoomTicket ticket;
            if (moved is { } from && !_byId.ContainsKey(from.Id) && _honoured.Count < _options.MaxTickets && _honoured.Add(from.Id))
            {
                // A clock ahead of ours must not put the ticket ahead of everyone who joined here since.
                var joinedAt = from.JoinedAt < now ? from.JoinedAt : now;
                ticket = new RoomTicket(from.Id, viewerKey, joinedAt, beforeStart || joinedAt < conditions.StartsAt);
                _metrics.Moved();
            }
            else
            {
                ticket = new RoomTicket(Guid.NewGuid(), viewerKey, now, beforeStart);
            }

            _byId.Add(ticket.Id, ticket);
            _byViewer.Add(viewerKey, ticket);
            _waiting++;
            _metrics.Joined(DropId);
            if (beforeStart)
            {
                _beforeStart.Add(ticket);
            }
            else
            {
                ticket.Sequence = _nextSequence++;
                ticket.Place = ticket.JoinedAt > conditions.StartsAt ? ticket.JoinedAt : conditions.StartsAt;
                var at = ~IndexOf(ticket);
                _queue.Insert(at, ticket);
                AdmitFromQueue(now, conditions);
            }

            return (StatusOf(ticket, now), true);
        }
    }

    /// <summary>Whether a moved ticket with this id was honoured here already (its place is not given twice).</summary>
    public bool Honoured(Guid id)
    {
        lock (_gate)
        {
            return _honoured.Contains(id);
        }
    }

    /// <summary>
    /// The viewer's pass has served its purpose (they reached the per-viewer limit, or bought): it
    /// ends now and its place goes to the next in line. A viewer without a pass is left as is.
    /// </summary>
    public void Used(string viewerKey, DateTimeOffset now, RoomConditions conditions)
    {
        lock (_gate)
        {
            Advance(now, conditions);
            if (_byViewer.TryGetValue(viewerKey, out var ticket) && ticket.State == TicketState.Admitted)
            {
                _passes--;
                Forget(ticket);
                _metrics.PassEnded();
                _metrics.PassUsed();
                AdmitFromQueue(now, conditions);
            }
        }
    }

    /// <summary>The ticket's status now, or null when the room no longer knows it (its pass ran out, or its viewer left).</summary>
    public TicketStatus? Find(Guid id, DateTimeOffset now, RoomConditions conditions) => Find(_byId, id, now, conditions);

    /// <summary>The live ticket of a viewer, if any (a reservation without a Queue-Ticket header).</summary>
    public TicketStatus? FindViewer(string viewerKey, DateTimeOffset now, RoomConditions conditions) => Find(_byViewer, viewerKey, now, conditions);

    /// <summary>Looks a ticket up by either index after bringing the room to <paramref name="now"/>; asking counts as the viewer being present.</summary>
    private TicketStatus? Find<TKey>(Dictionary<TKey, RoomTicket> index, TKey key, DateTimeOffset now, RoomConditions conditions)
        where TKey : notnull
    {
        lock (_gate)
        {
            Advance(now, conditions);
            if (!index.TryGetValue(key, out var ticket))
            {
                return null;
            }

            ticket.LastSeen = now;
            return StatusOf(ticket, now);
        }
    }

    /// <summary>Brings the room to <paramref name="now"/>: the start's shuffle, expired passes, admissions.</summary>
    public void Tick(DateTimeOffset now, RoomConditions conditions)
    {
        lock (_gate)
        {
            Advance(now, conditions);
        }
    }

    private void Advance(DateTimeOffset now, RoomConditions conditions)
    {
        if (!_started && now >= conditions.StartsAt)
        {
            _started = true;
            Shuffle(_beforeStart, _random);
            // Nobody joins after the start before it is shuffled in, so the shuffled come first.
            foreach (var ticket in _beforeStart)
            {
                ticket.Sequence = _nextSequence++;
                ticket.Place = conditions.StartsAt;
                _queue.Add(ticket);
            }

            AdmissionLog.RoomStarted(_logger, DropId, _beforeStart.Count);
            _beforeStart.Clear();
            _beforeStart.TrimExcess();
        }

        while (_admitted.TryPeek(out var oldest) && oldest.AdmittedUntil <= now)
        {
            _admitted.Dequeue();
            if (oldest.State == TicketState.Admitted)
            {
                _passes--;
                Forget(oldest);
                _metrics.PassEnded();
            }
        }

        var windowStart = now - _options.RateWindow;
        while (_recentAdmissions.TryPeek(out var at) && at <= windowStart)
        {
            _recentAdmissions.Dequeue();
        }

        if (_started)
        {
            AdmitFromQueue(now, conditions);
        }
    }

    private void AdmitFromQueue(DateTimeOffset now, RoomConditions conditions)
    {
        if (now > _refilledAt)
        {
            _tokens = Math.Min(_options.AdmissionBurst, _tokens + ((now - _refilledAt).TotalSeconds * _options.AdmissionsPerSecond));
            _refilledAt = now;
        }

        while (_head < _queue.Count && _passes < conditions.Capacity && _tokens >= 1)
        {
            var ticket = _queue[_head];
            _queue[_head++] = null!;
            if (_head >= 1024 && _head * 2 >= _queue.Count)
            {
                _queue.RemoveRange(0, _head);
                _head = 0;
            }

            _waiting--;
            _metrics.LeftQueue();
            if (now - ticket.LastSeen > _options.AbandonAfter)
            {
                Forget(ticket);
                _metrics.Refused("abandoned");
                continue;
            }

            _tokens -= 1;
            ticket.State = TicketState.Admitted;
            ticket.AdmittedUntil = now + _options.PassDuration;
            _admitted.Enqueue(ticket);
            _passes++;
            _recentAdmissions.Enqueue(now);
            _firstAdmissionAt ??= now;
            // Waiting began at the start for those who came before it.
            var from = ticket.BeforeStart ? conditions.StartsAt : ticket.JoinedAt;
            _metrics.Admitted(now - from, DropId);
        }
    }

    /// <summary>The room is being dropped (its drop closed, sold out or left the replica): takes its viewers off the gauges.</summary>
    public (int Waiting, int Admitted) Close()
    {
        lock (_gate)
        {
            var counts = (_waiting, _passes);
            _metrics.RoomClosed(_waiting, _passes);
            _waiting = 0;
            _passes = 0;
            _head = 0;
            _queue.Clear();
            _honoured.Clear();
            _admitted.Clear();
            _beforeStart.Clear();
            _byId.Clear();
            _byViewer.Clear();
            return counts;
        }
    }

    private void Forget(RoomTicket ticket)
    {
        ticket.State = TicketState.Expired;
        _byId.Remove(ticket.Id);
        _byViewer.Remove(ticket.ViewerKey);
    }

    private TicketStatus StatusOf(RoomTicket ticket, DateTimeOffset now)
    {
        if (ticket.State != TicketState.Waiting)
        {
            return new TicketStatus(ticket, ticket.State, null, null, ticket.AdmittedUntil);
        }

        if (ticket.Sequence == 0)
        {
            return new TicketStatus(ticket, TicketState.Waiting, null, null, null);
        }

        long position = IndexOf(ticket) - _head + 1;
        return new TicketStatus(ticket, TicketState.Waiting, position, (int)Math.Min(int.MaxValue, Math.Ceiling(position / ObservedRate(now))), null);
    }

    /// <summary>Index of a waiting ticket in <see cref="_queue"/>, or the bitwise complement of where it belongs (binary search on place, then sequence).</summary>
    private int IndexOf(RoomTicket ticket)
    {
        int low = _head, high = _queue.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var other = _queue[middle];
            var order = other.Place != ticket.Place ? other.Place.CompareTo(ticket.Place) : other.Sequence.CompareTo(ticket.Sequence);
            if (order == 0)
            {
                return middle;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return ~low;
    }

    /// <summary>
    /// Admissions per second over the last <see cref="AdmissionOptions.RateWindow"/> (or since the
    /// first admission, once that is a second ago), never above the configured rate (the burst at
    /// the start would otherwise promise too much); the configured rate until then.
    /// </summary>
    private double ObservedRate(DateTimeOffset now)
    {
        if (_recentAdmissions.Count == 0 || _firstAdmissionAt is not { } first || now - first < TimeSpan.FromSeconds(1))
        {
            return _options.AdmissionsPerSecond;
        }

        var span = now - first < _options.RateWindow ? now - first : _options.RateWindow;
        return Math.Min(_options.AdmissionsPerSecond, _recentAdmissions.Count / span.TotalSeconds);
    }

    /// <summary>Fisher-Yates: every order equally likely when <paramref name="random"/>(n) is uniform on [0, n).</summary>
    internal static void Shuffle<T>(IList<T> items, Func<int, int> random)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
