using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Drops;
using EdgeCommerce.Edge.OriginLink;
using Grpc.Core;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>
/// The origin's drop inventory rules in memory, for edge tests: leases within the allocation,
/// expiry on the given clock, sales idempotent by reservation id and by viewer + key, the
/// per-viewer limit, RSVPs. (The real rules run against real databases in the store contract
/// tests and over real processes in the functional tests.) <see cref="Down"/> makes every call
/// fail with Unavailable.
/// </summary>
internal sealed class InMemoryDropOrigin(TimeProvider time, TimeSpan leaseDuration) : IDropInventoryOrigin
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (int Allocation, int Limit)> _skus = [];
    private readonly Dictionary<string, int> _sold = [];
    private readonly Dictionary<string, Lease> _leases = [];
    private readonly Dictionary<string, Sale> _sales = [];
    private readonly HashSet<(string DropId, string Viewer)> _rsvps = [];

    public bool Down { get; set; }

    /// <summary>When set, every call fails as <see cref="OriginCalls"/> fails with open circuits: unreachable, retry after this long.</summary>
    public TimeSpan? UnreachableFor { get; set; }

    public int LeaseCalls { get; private set; }

    /// <summary>Every lease request, in the order they arrived.</summary>
    public List<AcquireLeaseRequest> Requests { get; } = [];

    public int ConfirmCalls { get; private set; }

    public void AddSku(string dropId, string skuId, int allocation, int perViewerLimit)
    {
        lock (_gate)
        {
            _skus[dropId + "/" + skuId] = (allocation, perViewerLimit);
            _sold[dropId + "/" + skuId] = 0;
        }
    }

    public void AddRsvp(string dropId, string viewer)
    {
        lock (_gate)
        {
            _rsvps.Add((dropId, viewer));
        }
    }

    /// <summary>RSVPs recorded for a drop.</summary>
    public int Rsvps(string dropId)
    {
        lock (_gate)
        {
            return _rsvps.Count(rsvp => rsvp.DropId == dropId);
        }
    }

    /// <summary>Units sold to one viewer of a drop (what the per-viewer limit counts).</summary>
    public int SoldTo(string dropId, string viewer)
    {
        lock (_gate)
        {
            return _sales.Values.Where(sale => sale.DropId == dropId && sale.Viewer == viewer).Sum(static sale => sale.Quantity);
        }
    }

    public int Sold(string dropId, string skuId)
    {
        lock (_gate)
        {
            return _sold[dropId + "/" + skuId];
        }
    }

    public Task<AcquireLeaseReply> AcquireLeaseAsync(AcquireLeaseRequest request, CancellationToken cancellationToken)
        => LeaseGate is { } gate ? AcquireAfterAsync(gate.Task, request) : AcquireNowAsync(request);

    private async Task<AcquireLeaseReply> AcquireAfterAsync(Task gate, AcquireLeaseRequest request)
    {
        await gate;
        return await AcquireNowAsync(request);
    }

    private Task<AcquireLeaseReply> AcquireNowAsync(AcquireLeaseRequest request)
    {
        lock (_gate)
        {
            ThrowIfDown();
            LeaseCalls++;
            Requests.Add(request.Clone());
            var key = request.DropId + "/" + request.SkuId;
            if (!_skus.TryGetValue(key, out var sku))
            {
                throw new RpcException(new Status(StatusCode.NotFound, "No such drop or SKU."));
            }

            var now = time.GetUtcNow();
            var leased = _leases.Values.Where(l => l.Key == key && l.ExpiresAt > now).Sum(static l => l.Units - l.Sold);
            var sold = _sold[key];
            var free = sku.Allocation - sold - leased;
            var min = Math.Max(1, request.MinUnits);
            var stock = new DropSku { SkuId = request.SkuId, Allocation = sku.Allocation, Sold = sold, Leased = leased };
            if (sold + min > sku.Allocation || free < min)
            {
                var next = _leases.Values.Where(l => l.Key == key && l.ExpiresAt > now && l.Units > l.Sold).Select(static l => l.ExpiresAt).DefaultIfEmpty().Min();
                return Task.FromResult(new AcquireLeaseReply { Stock = stock, NextExpiryUnixMs = next == default ? 0 : next.ToUnixTimeMilliseconds() });
            }

            var units = Math.Max(min, Math.Min(request.Units, Math.Max(1, free / 4)));
            // As the origin: waiting buyers' total in full while free; a placement before the open, half of what is free.
            units = request.Preposition ? Math.Max(min, Math.Min(request.Units, free / 2)) : Math.Max(units, Math.Min(request.WantedUnits, free));
            var lease = new Lease(Guid.NewGuid().ToString("N"), key, units, now + leaseDuration) { EdgeId = request.EdgeId };
            _leases[lease.Id] = lease;
            return Task.FromResult(new AcquireLeaseReply { LeaseId = lease.Id, Units = units, ExpiresAtUnixMs = lease.ExpiresAt.ToUnixTimeMilliseconds(), Stock = stock });
        }
    }

    public Task<ReturnLeaseReply> ReturnLeaseAsync(ReturnLeaseRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfDown();
            if (_leases.TryGetValue(request.LeaseId, out var lease))
            {
                lease.Units = Math.Max(lease.Sold, lease.Units - request.Units);
                return Task.FromResult(new ReturnLeaseReply { Units = lease.Units });
            }

            return Task.FromResult(new ReturnLeaseReply());
        }
    }

    public Task<ConfirmSaleReply> ConfirmSaleAsync(ConfirmSaleRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfDown();
            ConfirmCalls++;
            var lost = false;
            if (_sales.ContainsKey(request.ReservationId))
            {
                return Task.FromResult(new ConfirmSaleReply { ReservationId = request.ReservationId });
            }

            if (request.IdempotencyKey.Length > 0 && _sales.Values.FirstOrDefault(s => s.DropId == request.DropId && s.Viewer == request.Viewer && s.Key == request.IdempotencyKey) is { } original)
            {
                return Task.FromResult(new ConfirmSaleReply { ReservationId = original.ReservationId, Duplicate = true });
            }

            var key = request.DropId + "/" + request.SkuId;
            if (!_leases.TryGetValue(request.LeaseId, out var lease) || lease.Key != key)
            {
                throw new RpcException(new Status(StatusCode.NotFound, "No such lease."));
            }

            if (lease.ExpiresAt <= time.GetUtcNow() || lease.Sold + request.Quantity > lease.Units)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "The lease expired."));
            }

            var bought = _sales.Values.Where(s => s.DropId == request.DropId && s.Viewer == request.Viewer).Sum(static s => s.Quantity);
            if (bought + request.Quantity > _skus[key].Limit)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, "Over the limit."));
            }

            if (LoseConfirmAnswers > 0)
            {
                // The sale lands, the answer does not reach the edge (a timeout after the commit).
                LoseConfirmAnswers--;
                lost = true;
            }

            _sales[request.ReservationId] = new Sale(request.ReservationId, request.DropId, request.Viewer, request.IdempotencyKey, request.Quantity)
            {
                SkuId = request.SkuId,
                LeaseId = request.LeaseId,
                EdgeId = lease.EdgeId,
            };
            lease.Sold += request.Quantity;
            _sold[key] += request.Quantity;
            return lost
                ? Task.FromException<ConfirmSaleReply>(new OriginUnavailableException(TimeSpan.FromSeconds(1), circuitOpen: false, inner: null))
                : Task.FromResult(new ConfirmSaleReply { ReservationId = request.ReservationId });
        }
    }

    public Task<RsvpReply> RsvpAsync(RsvpRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfDown();
            _rsvps.Add((request.DropId, request.Viewer));
            return Task.FromResult(new RsvpReply { Rsvped = true });
        }
    }

    public Task<RsvpReply> HasRsvpAsync(RsvpRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfDown();
            return Task.FromResult(new RsvpReply { Rsvped = _rsvps.Contains((request.DropId, request.Viewer)) });
        }
    }

    public int ReclaimCalls { get; private set; }

    /// <summary>This many next sales are recorded but answered as timeouts (the answer was lost).</summary>
    public int LoseConfirmAnswers { get; set; }

    /// <summary>When set, lease requests wait for it (an origin slow to answer).</summary>
    public TaskCompletionSource? LeaseGate { get; set; }

    /// <summary>The creator every sale's drop belongs to (the in-memory origin keeps no drop definitions).</summary>
    public string Creator { get; set; } = "c1";

    /// <summary>Units unexpired leases hold unsold (what other edges cannot lease).</summary>
    public int Leased(string dropId, string skuId)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            return _leases.Values.Where(l => l.Key == dropId + "/" + skuId && l.ExpiresAt > now).Sum(static l => l.Units - l.Sold);
        }
    }

    public Task<ReclaimLeasesReply> ReclaimLeasesAsync(ReclaimLeasesRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfDown();
            ReclaimCalls++;
            var now = time.GetUtcNow();
            var reply = new ReclaimLeasesReply();
            foreach (var lease in _leases.Values.Where(l => l.EdgeId == request.EdgeId && l.ExpiresAt > now && l.Units > l.Sold))
            {
                reply.Leases++;
                reply.Units += lease.Units - lease.Sold;
                lease.Units = lease.Sold;
            }

            return Task.FromResult(reply);
        }
    }

    public Task<FindSaleReply> FindSaleAsync(FindSaleRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfDown();
            return Task.FromResult(_sales.TryGetValue(request.ReservationId, out var sale)
                ? new FindSaleReply
                {
                    Found = true,
                    DropId = sale.DropId,
                    CreatorId = Creator,
                    SkuId = sale.SkuId,
                    Viewer = sale.Viewer,
                    Quantity = sale.Quantity,
                    LeaseId = sale.LeaseId,
                    ConfirmedAtUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
                }
                : new FindSaleReply());
        }
    }

    private void ThrowIfDown()
    {
        if (Down)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The origin is down."));
        }

        if (UnreachableFor is { } retryAfter)
        {
            throw new OriginUnavailableException(retryAfter, circuitOpen: true, inner: null);
        }
    }

    private sealed class Lease(string id, string key, int units, DateTimeOffset expiresAt)
    {
        public string Id { get; } = id;

        public string Key { get; } = key;

        public int Units { get; set; } = units;

        public int Sold { get; set; }

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public string EdgeId { get; init; } = "";
    }

    private sealed record Sale(string ReservationId, string DropId, string Viewer, string Key, int Quantity)
    {
        public string SkuId { get; init; } = "";

        public string LeaseId { get; init; } = "";

        public string EdgeId { get; init; } = "";
    }
}
