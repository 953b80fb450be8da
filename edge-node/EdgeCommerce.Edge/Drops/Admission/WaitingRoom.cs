namespace EdgeCommerce.Edge.Drops.Admission;

/// <summary>
/// One drop's waiting room on this edge (the Queue-it model): viewers who arrive before the drop
/// opens are shuffled with a CSPRNG at the start, so the fastest connection does not win; later
/// arrivals queue in arrival order; the head of the queue is admitted while fewer than
/// <see cref="RoomConditions.Capacity"/> viewers hold an unexpired pass, at most
/// <see cref="AdmissionOptions.AdmissionsPerSecond"/> (a token bucket on the injected clock).
/// Nothing runs by itself: every call advances the room to its <c>now</c> first, so the room is
/// exact whenever anyone looks, and a periodic sweep only frees memory. One lock guards it all;
/// every operation under it is O(1) amortized except the shuffle, which runs once.
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
    private readonly Queue<RoomTicket> _queue = new();
    // Passes all last PassDuration, so admission order is expiry order.
    private readonly Queue<RoomTicket> _admitted = new();
    private readonly Queue<DateTimeOffset> _recentAdmissions = new();
    private bool _started;
    private bool _fullLogged;
    private long _nextSequence = 1;
    private long _lastDequeued;
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

    /// <summary>Viewers holding a pass (as of the last call).</summary>
    public int Admitted
    {
        get
        {
            lock (_gate)
            {
                return _admitted.Count;
            }
        }
    }

    /// <summary>
    /// The viewer's live ticket, or a new one: admitted at once when nobody waits and there is
    /// room and rate for a pass, else queued (or set aside until the start). Null when the room is full.
    /// </summary>
    public (TicketStatus Status, bool Created)? Join(string viewerKey, DateTimeOffset now, RoomConditions conditions)
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
            var ticket = new RoomTicket(Guid.NewGuid(), viewerKey, now, beforeStart);
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
                _queue.Enqueue(ticket);
                AdmitFromQueue(now, conditions);
            }

            return (StatusOf(ticket, now), true);
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
            foreach (var ticket in _beforeStart)
            {
                ticket.Sequence = _nextSequence++;
                _queue.Enqueue(ticket);
            }

            AdmissionLog.RoomStarted(_logger, DropId, _beforeStart.Count);
            _beforeStart.Clear();
            _beforeStart.TrimExcess();
        }

        while (_admitted.TryPeek(out var oldest) && oldest.AdmittedUntil <= now)
        {
            _admitted.Dequeue();
            Forget(oldest);
            _metrics.PassEnded();
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

        while (_queue.Count > 0 && _admitted.Count < conditions.Capacity && _tokens >= 1)
        {
            var ticket = _queue.Dequeue();
            _lastDequeued = ticket.Sequence;
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
            var counts = (_waiting, _admitted.Count);
            _metrics.RoomClosed(_waiting, _admitted.Count);
            _waiting = 0;
            _queue.Clear();
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

        var position = ticket.Sequence - _lastDequeued;
        return new TicketStatus(ticket, TicketState.Waiting, position, (int)Math.Min(int.MaxValue, Math.Ceiling(position / ObservedRate(now))), null);
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
