using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// The leases this edge holds for one SKU of one drop. Reservations take units from the lease
/// that expires first; when none has enough, one refill from the origin runs and every caller
/// that needs it awaits the same one (single flight): a burst of viewers costs one origin call,
/// not one each, and when the origin does not answer they all learn it together, not one
/// timeout after another. Buyers who arrive once that call is sized and ask for more than it
/// does start a second one beside it, never more (<see cref="MaxRefillsInFlight"/>).
/// </summary>
internal sealed class LeasePool(string dropId, string skuId, int firstRequest)
{
    private readonly Lock _gate = new();
    private readonly List<InventoryLease> _leases = [];
    private int _takenSinceRefill;
    private int _lastRequest = firstRequest;
    private int _waiting;
    private long _takes;
    private long _takesAtIdleCheck = -1;

    public string DropId { get; } = dropId;

    public string SkuId { get; } = skuId;

    /// <summary>The most refills of one pool asking the origin at once (see <see cref="JoinRefill"/>).</summary>
    public const int MaxRefillsInFlight = 2;

    /// <summary>The latest refill: the one a new waiter joins.</summary>
    private TaskCompletionSource<AcquireLeaseReply>? _refill;

    /// <summary>Refills that sized their request and have not ended, with the units their waiters wait for.</summary>
    private readonly List<(TaskCompletionSource<AcquireLeaseReply> Owner, int Wanted)> _inFlight = [];

    /// <summary>
    /// The refill the caller awaits; when a new one is needed, a new one whose <c>Owner</c> the
    /// caller must complete (it alone calls the origin). A waiter joins the latest refill while
    /// that refill has not sized its request yet (it will count this waiter), or while the refills
    /// asking the origin already ask for every waiting unit; otherwise (given <paramref name="now"/>)
    /// it starts another, up to <see cref="MaxRefillsInFlight"/> at once: at an opening, a buyer
    /// who arrived just after a refill was sent then waits one round trip, not the rest of that
    /// one and then its own. A refill is forgotten before it completes, so a waiter whose units
    /// were taken by others starts or joins the next one.
    /// </summary>
    public (Task<AcquireLeaseReply> Refill, TaskCompletionSource<AcquireLeaseReply>? Owner) JoinRefill(DateTimeOffset? now = null, TimeSpan margin = default)
    {
        lock (_gate)
        {
            if (_refill is { } latest)
            {
                var sized = _inFlight.Exists(flight => ReferenceEquals(flight.Owner, latest));
                if (now is not { } at || !sized || _inFlight.Count >= MaxRefillsInFlight || _waiting <= UsableFree(at, margin) + InFlightWanted())
                {
                    return (latest.Task, null);
                }
            }

            var owner = new TaskCompletionSource<AcquireLeaseReply>(TaskCreationOptions.RunContinuationsAsynchronously);
            _refill = owner;
            return (owner.Task, owner);
        }
    }

    /// <summary>Ends the refill <paramref name="owner"/> (after its lease, if any, was added): later callers start a new one.</summary>
    public void EndRefill(TaskCompletionSource<AcquireLeaseReply> owner)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_refill, owner))
            {
                _refill = null;
            }

            _inFlight.RemoveAll(flight => ReferenceEquals(flight.Owner, owner));
        }
    }

    /// <summary>
    /// Takes <paramref name="quantity"/> units from one usable lease. A lease is usable while a new
    /// reservation would still get at least half of <paramref name="ttl"/> before
    /// <c>expiry − margin</c>; the reservation ends at <c>min(now + ttl, expiry − margin)</c>.
    /// </summary>
    public (InventoryLease Lease, DateTimeOffset ExpiresAt)? TryTake(int quantity, DateTimeOffset now, TimeSpan ttl, TimeSpan margin)
    {
        lock (_gate)
        {
            foreach (var lease in _leases)
            {
                var usableUntil = lease.ExpiresAt - margin;
                if (lease.Free >= quantity && usableUntil - now >= ttl / 2)
                {
                    lease.Held += quantity;
                    _takenSinceRefill += quantity;
                    _takes++;
                    var end = now + ttl;
                    return (lease, end < usableUntil ? end : usableUntil);
                }
            }

            return null;
        }
    }

    /// <summary>A reservation waits for units of this pool (until <see cref="StopWaiting"/>): the next refill asks for it too.</summary>
    public void Wait(int quantity)
    {
        lock (_gate)
        {
            _waiting += quantity;
        }
    }

    public void StopWaiting(int quantity)
    {
        lock (_gate)
        {
            _waiting -= quantity;
        }
    }

    /// <summary>Units reservations wait for now (read by a refill while it lets a burst's buyers gather).</summary>
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

    /// <summary>
    /// The next refill's size: <c>Wanted</c>, the units reservations wait for beyond what the
    /// usable leases still hold (one call for all of them, not one each), and <c>Units</c>, that or
    /// the recent demand (what sold since the last refill), whichever is more, within bounds: a
    /// lease grows with the buyers in front of it and with the rate they come at. The origin
    /// grants the wanted units while free and shrinks the rest as stock runs out.
    /// </summary>
    public (int Units, int Wanted) NextRequest(int quantity, int max, DateTimeOffset now, TimeSpan margin, TaskCompletionSource<AcquireLeaseReply>? owner = null)
    {
        lock (_gate)
        {
            // Units other refills already ask the origin for are theirs: this one asks for the rest.
            var wanted = Math.Clamp(_waiting - UsableFree(now, margin) - InFlightWanted(), Math.Max(1, quantity), MaxUnitsPerCall);
            var demand = _takenSinceRefill > 0 ? _takenSinceRefill : _lastRequest;
            _lastRequest = Math.Clamp(Math.Max(demand, wanted), Math.Max(1, quantity), Math.Max(max, wanted));
            _takenSinceRefill = 0;
            if (owner is not null)
            {
                _inFlight.Add((owner, wanted));
            }

            return (_lastRequest, wanted);
        }
    }

    private int UsableFree(DateTimeOffset now, TimeSpan margin)
    {
        var free = 0;
        foreach (var lease in _leases)
        {
            if (lease.ExpiresAt - margin > now)
            {
                free += lease.Free;
            }
        }

        return free;
    }

    private int InFlightWanted()
    {
        var wanted = 0;
        foreach (var (_, units) in _inFlight)
        {
            wanted += units;
        }

        return wanted;
    }

    /// <summary>The most units one lease request may ask for (the origin's bound).</summary>
    public const int MaxUnitsPerCall = 1000;

    public void Add(InventoryLease lease)
    {
        lock (_gate)
        {
            _leases.Add(lease);
            _leases.Sort(static (a, b) => a.ExpiresAt.CompareTo(b.ExpiresAt));
        }
    }

    /// <summary>A reservation ended unsold (released or expired): its units are free again.</summary>
    public void Release(InventoryLease lease, int quantity)
    {
        lock (_gate)
        {
            lease.Held -= quantity;
        }
    }

    /// <summary>A reservation was confirmed: its held units became sold.</summary>
    public void Sell(InventoryLease lease, int quantity)
    {
        lock (_gate)
        {
            lease.Held -= quantity;
            lease.Sold += quantity;
        }
    }

    /// <summary>Units free in this pool's usable leases (for status and tests).</summary>
    public int FreeUnits(DateTimeOffset now, TimeSpan margin)
    {
        lock (_gate)
        {
            // A loop, not LINQ: the waiting room asks on every reservation, and a capturing lambda allocates.
            var free = 0;
            foreach (var lease in _leases)
            {
                if (lease.ExpiresAt - margin > now)
                {
                    free += lease.Free;
                }
            }

            return free;
        }
    }

    /// <summary>Units of this pool's unexpired leases not sold, and units its reservations hold (for <see cref="SurplusWait"/>).</summary>
    public (int Unsold, int Held) Holdings(DateTimeOffset now)
    {
        lock (_gate)
        {
            var unsold = 0;
            var held = 0;
            foreach (var lease in _leases)
            {
                if (lease.ExpiresAt > now)
                {
                    unsold += lease.Units - lease.Sold;
                    held += lease.Held;
                }
            }

            return (unsold, held);
        }
    }

    /// <summary>Adds each lease's held units to <paramref name="into"/>, read under the pool's lock (for the holds report).</summary>
    public void CopyHoldings(List<Stock.LeaseHolding> into)
    {
        lock (_gate)
        {
            foreach (var lease in _leases)
            {
                into.Add(new Stock.LeaseHolding(lease, lease.Held));
            }
        }
    }

    /// <summary>
    /// Takes the free units of leases no longer usable for new reservations (they will be given
    /// back to the origin) and forgets leases past their expiry with nothing held.
    /// </summary>
    public IReadOnlyList<(InventoryLease Lease, int Units)> CollectUnusable(DateTimeOffset now, TimeSpan ttl, TimeSpan margin)
    {
        lock (_gate)
        {
            var returns = new List<(InventoryLease, int)>();
            foreach (var lease in _leases)
            {
                if (lease.ExpiresAt - margin - now < ttl / 2 && lease.Free > 0)
                {
                    returns.Add((lease, lease.Free));
                    lease.Units -= lease.Free;
                }
            }

            _leases.RemoveAll(lease => lease.ExpiresAt <= now && lease.Held == 0);
            return returns;
        }
    }

    /// <summary>
    /// The surplus of an idle pool: when no reservation took a unit, waited or refilled since the
    /// previous call and the pool's usable leases hold more free units than
    /// <paramref name="originFree"/> (what the origin has left to lease), takes those free units
    /// (they go back to the origin, where another edge's buyers get them). The first call only
    /// starts the watch. Placed stock is sized by expectation; when the origin runs short, units
    /// an edge is not selling must not stay where no buyer comes.
    /// </summary>
    public IReadOnlyList<(InventoryLease Lease, int Units)> TakeIdleSurplus(DateTimeOffset now, TimeSpan margin, int originFree)
    {
        lock (_gate)
        {
            var idle = _takes == _takesAtIdleCheck && _waiting == 0 && _refill is null;
            _takesAtIdleCheck = _takes;
            var free = _leases.Where(lease => lease.ExpiresAt - margin > now).Sum(static lease => lease.Free);
            if (!idle || free == 0 || free <= originFree)
            {
                return [];
            }

            var returns = new List<(InventoryLease, int)>();
            foreach (var lease in _leases)
            {
                if (lease.Free > 0 && lease.ExpiresAt > now)
                {
                    returns.Add((lease, lease.Free));
                    lease.Units -= lease.Free;
                }
            }

            return returns;
        }
    }

    /// <summary>
    /// Takes every unsold unit of every lease (held ones too) for the pool's drop that is over: no
    /// reservation of it can sell any more, so they go back to the origin before the pool is forgotten.
    /// </summary>
    public IReadOnlyList<(InventoryLease Lease, int Units)> TakeUnsold()
    {
        lock (_gate)
        {
            var returns = new List<(InventoryLease, int)>();
            foreach (var lease in _leases)
            {
                if (lease.Units > lease.Sold)
                {
                    returns.Add((lease, lease.Units - lease.Sold));
                    lease.Units = lease.Sold;
                    lease.Held = 0;
                }
            }

            _leases.Clear();
            return returns;
        }
    }
}
