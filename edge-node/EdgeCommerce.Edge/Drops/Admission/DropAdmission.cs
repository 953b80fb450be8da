using System.Collections.Concurrent;
using System.Security.Cryptography;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Drops.Admission;

internal enum AdmissionVerdict
{
    /// <summary>Go on with the reservation (admitted, or the room has nothing to say: no drop, not open, sold out, closed, disabled).</summary>
    Proceed,
    Queued,
    RoomFull,
    InvalidTicket,
}

/// <param name="Ticket">The signed ticket string (for <see cref="AdmissionVerdict.Queued"/> and joins).</param>
internal readonly record struct AdmissionDecision(AdmissionVerdict Verdict, QueueTicketResponse? Ticket = null, bool Created = false)
{
    public static readonly AdmissionDecision Proceed = new(AdmissionVerdict.Proceed);
    public static readonly AdmissionDecision RoomFull = new(AdmissionVerdict.RoomFull);
    public static readonly AdmissionDecision InvalidTicket = new(AdmissionVerdict.InvalidTicket);
}

/// <summary>
/// The waiting rooms of this edge, one per drop in the replica (so their number is bounded by the
/// replica's drops), and the decisions the drop endpoints ask for: may this reservation go on,
/// join, what does this ticket say, this viewer's pass is used. Drop times and stock come from the
/// replica (and this edge's leases) at every call, so the room's capacity follows units that come
/// back and a sell-out shows on every ticket as soon as the edge applies it.
/// </summary>
internal sealed class DropAdmission(ReplicaHolder holder, DropReservations reservations, IOptions<AdmissionOptions> options, TimeProvider timeProvider, AdmissionMetrics metrics, ILogger<DropAdmission> logger)
{
    private readonly ConcurrentDictionary<string, WaitingRoom> _rooms = new(StringComparer.Ordinal);
    private readonly QueueTickets _tickets = new(QueueTickets.LoadKey(options.Value.TicketKeyPath));

    /// <summary>A uniform integer in [0, n) for the start's shuffle: the CSPRNG; tests may set a seeded one.</summary>
    internal Func<int, int> Random { get; init; } = RandomNumberGenerator.GetInt32;

    public bool Enabled => options.Value.Enabled;

    /// <summary>The reservation's gate once the drop is open: admitted viewers go on, others get (or keep) their place.</summary>
    public AdmissionDecision Enter(AccessToken token, string dropId, string? presentedTicket)
    {
        ArgumentNullException.ThrowIfNull(token);
        // Another creator's drop proceeds like a missing one: the reservation answers 404, no ticket is made.
        if (!Enabled || holder.Current.FindDropFor(token, dropId) is not { } drop)
        {
            return AdmissionDecision.Proceed;
        }

        var claims = default(QueueTicketClaims);
        if (presentedTicket is not null && !_tickets.TryRead(presentedTicket, dropId, token.CreatorId ?? "", token.Subject, out claims))
        {
            metrics.Refused("invalid_ticket");
            AdmissionLog.InvalidTicket(logger, dropId);
            return AdmissionDecision.InvalidTicket;
        }

        var now = timeProvider.GetUtcNow();
        if (DropPhases.Of(drop, now) != DropPhase.Open)
        {
            // Before the start the reservation rules decide (early access, or "not yet": then the
            // viewer joins through JoinBeforeStart); a sold-out or closed drop is answered 409.
            return AdmissionDecision.Proceed;
        }

        // A ticket another edge signed (its viewer was moved here) keeps the place its join time gives it.
        return JoinRoom(token, drop, now, proceedIfAdmitted: true, presentedTicket is not null && !claims.Mine ? new MovedTicket(claims.Id, claims.JoinedAt) : null);
    }

    /// <summary>
    /// The viewer's pass has served its purpose (they reached the per-viewer limit, or bought): its
    /// place goes to the next in line rather than staying taken until the pass runs out.
    /// </summary>
    public void PassUsed(AccessToken token, string dropId)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (Enabled && holder.Current.FindDropFor(token, dropId) is { } drop && _rooms.TryGetValue(drop.DropId, out var room))
        {
            room.Used(ViewerKey(token), timeProvider.GetUtcNow(), Conditions(drop));
        }
    }

    /// <summary>A reservation refused as "not open yet" until the start: the viewer waits in the room instead.</summary>
    /// <remarks>
    /// <paramref name="opensAt"/> is when the reservation rules said it opens for this viewer:
    /// earlier than the start for an early-access viewer who is merely early, who keeps the 403.
    /// </remarks>
    public AdmissionDecision JoinBeforeStart(AccessToken token, string dropId, DateTimeOffset opensAt)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Enabled && holder.Current.FindDropFor(token, dropId) is { } drop && opensAt >= DropPhases.StartsAt(drop)
            ? JoinRoom(token, drop, timeProvider.GetUtcNow(), proceedIfAdmitted: false)
            : AdmissionDecision.Proceed;
    }

    /// <summary><c>POST /v1/drops/{dropId}/queue</c>: the viewer's ticket, new or the one they hold. Null when there is no such drop (or it is another creator's).</summary>
    public (AdmissionDecision Decision, DropPhase Phase)? Join(AccessToken token, string dropId)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (holder.Current.FindDropFor(token, dropId) is not { } drop)
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        var phase = DropPhases.Of(drop, now);
        return phase is DropPhase.SoldOut or DropPhase.Closed ? (AdmissionDecision.Proceed, phase) : (JoinRoom(token, drop, now, proceedIfAdmitted: false), phase);
    }

    /// <summary><c>GET /v1/drops/{dropId}/queue/{ticket}</c>: null when the ticket does not check for this token and drop.</summary>
    public QueueTicketResponse? Status(AccessToken token, string dropId, string ticket)
    {
        ArgumentNullException.ThrowIfNull(token);
        // Another creator's drop: the same refusal as any ticket that does not check (as for a
        // missing drop, where no ticket this token could hold checks), whatever the ticket says.
        var drop = holder.Current.FindDrop(dropId);
        if ((drop is not null && !token.IsViewerOf(drop.CreatorId)) || !_tickets.TryRead(ticket, dropId, token.CreatorId ?? "", token.Subject, out var claims))
        {
            metrics.Refused("invalid_ticket");
            AdmissionLog.InvalidTicket(logger, dropId);
            return null;
        }

        var statusUrl = StatusUrl(dropId, ticket);
        var now = timeProvider.GetUtcNow();
        if (drop is null)
        {
            return new QueueTicketResponse(ticket, "closed", null, null, null, null, statusUrl);
        }

        var phase = DropPhases.Of(drop, now);
        if (phase is DropPhase.SoldOut or DropPhase.Closed)
        {
            return new QueueTicketResponse(ticket, phase == DropPhase.SoldOut ? "soldOut" : "closed", null, null, null, null, statusUrl);
        }

        var conditions = Conditions(drop);
        var room = Room(drop, now);
        if (room.Find(claims.Id, now, conditions) is { } status)
        {
            return View(status, ticket, statusUrl, conditions);
        }

        // Signed by another edge (or before a restart) and never seen here: its viewer was moved
        // here and keeps their place. A ticket this room already honoured, or signed here, ended.
        if (!claims.Mine && !room.Honoured(claims.Id) && room.Join(ViewerKey(token), now, conditions, new MovedTicket(claims.Id, claims.JoinedAt)) is { } joined)
        {
            var moved = joined.Status;
            if (moved.Ticket.Id == claims.Id)
            {
                return View(moved, ticket, statusUrl, conditions);
            }

            var own = _tickets.Issue(moved.Ticket.Id, moved.Ticket.JoinedAt, drop.DropId, token.CreatorId ?? "", token.Subject);
            return View(moved, own, StatusUrl(drop.DropId, own), conditions);
        }

        return new QueueTicketResponse(ticket, "expired", null, null, null, null, statusUrl);
    }

    /// <summary>Advances every room (passes expire, the queue moves) and drops the rooms of drops that ended or left the replica.</summary>
    public void Sweep()
    {
        var now = timeProvider.GetUtcNow();
        var replica = holder.Current;
        foreach (var (dropId, room) in _rooms)
        {
            var drop = replica.FindDrop(dropId);
            var phase = drop is null ? DropPhase.Closed : DropPhases.Of(drop, now);
            if (phase is DropPhase.SoldOut or DropPhase.Closed)
            {
                if (_rooms.TryRemove(new KeyValuePair<string, WaitingRoom>(dropId, room)))
                {
                    var (waiting, admitted) = room.Close();
                    AdmissionLog.RoomClosed(logger, dropId, phase == DropPhase.SoldOut ? "sold_out" : "closed", waiting, admitted);
                }

                continue;
            }

            room.Tick(now, Conditions(drop!));
        }
    }

    /// <summary>Rooms open on this edge (for tests and status).</summary>
    public int Rooms => _rooms.Count;

    /// <summary>Viewers waiting in the drop's room on this edge (before the start or in the queue): buyers this edge expects.</summary>
    public int Waiting(string dropId) => _rooms.TryGetValue(dropId, out var room) ? room.Waiting : 0;

    private static string ViewerKey(AccessToken token) => (token.CreatorId ?? "") + "\n" + token.Subject;

    private AdmissionDecision JoinRoom(AccessToken token, DropState drop, DateTimeOffset now, bool proceedIfAdmitted, MovedTicket? moved = null)
    {
        var creator = token.CreatorId ?? "";
        var conditions = Conditions(drop);
        if (Room(drop, now).Join(ViewerKey(token), now, conditions, moved) is not { } joined)
        {
            metrics.Refused("room_full");
            return AdmissionDecision.RoomFull;
        }

        var (status, created) = joined;

        if (proceedIfAdmitted && status.State == TicketState.Admitted)
        {
            return AdmissionDecision.Proceed;
        }

        var ticket = _tickets.Issue(status.Ticket.Id, status.Ticket.JoinedAt, drop.DropId, creator, token.Subject);
        return new AdmissionDecision(AdmissionVerdict.Queued, View(status, ticket, StatusUrl(drop.DropId, ticket), conditions), created);
    }

    private WaitingRoom Room(DropState drop, DateTimeOffset now)
        => _rooms.TryGetValue(drop.DropId, out var room)
            ? room
            : _rooms.GetOrAdd(drop.DropId, static (id, state) => new WaitingRoom(id, state.Options, state.Random, state.Metrics, state.Logger, state.Now),
                (Options: options.Value, Random, Metrics: metrics, Logger: (ILogger)logger, Now: now));

    private RoomConditions Conditions(DropState drop)
        => new(DropPhases.StartsAt(drop), RoomCapacity.Of(drop, (Pools: reservations.Leases, drop.DropId), static (state, sku) => state.Pools.FreeUnits(state.DropId, sku), options.Value));

    private static QueueTicketResponse View(TicketStatus status, string ticket, string statusUrl, RoomConditions conditions)
        => new(ticket,
            status.State switch { TicketState.Waiting => "waiting", TicketState.Admitted => "admitted", _ => "expired" },
            status.Position, status.EstimatedWaitSeconds, status.AdmittedUntil,
            status.State == TicketState.Waiting && status.Position is null ? conditions.StartsAt : null,
            statusUrl);

    private static string StatusUrl(string dropId, string ticket) => $"/v1/drops/{Uri.EscapeDataString(dropId)}/queue/{ticket}";
}

/// <summary>
/// A queue ticket as the shop page reads it (contract: docs/architecture.md, "Fair admission").
/// <paramref name="Position"/> is 1-based and null before the start (then <paramref name="OpensAt"/> says when)
/// and once admitted; <paramref name="AdmittedUntil"/> is set once admitted.
/// </summary>
internal sealed record QueueTicketResponse(
    string Ticket,
    string State,
    long? Position,
    int? EstimatedWaitSeconds,
    DateTimeOffset? AdmittedUntil,
    DateTimeOffset? OpensAt,
    string StatusUrl);
