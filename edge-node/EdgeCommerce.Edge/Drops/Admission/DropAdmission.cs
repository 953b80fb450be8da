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
/// join, what does this ticket say. Drop times and stock come from the replica at every call, so a
/// sell-out shows on every ticket as soon as the edge applies it.
/// </summary>
internal sealed class DropAdmission(ReplicaHolder holder, IOptions<AdmissionOptions> options, TimeProvider timeProvider, AdmissionMetrics metrics, ILogger<DropAdmission> logger)
{
    private readonly ConcurrentDictionary<string, WaitingRoom> _rooms = new(StringComparer.Ordinal);
    private readonly QueueTickets _tickets = new();

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

        if (presentedTicket is not null && !_tickets.TryRead(presentedTicket, dropId, token.CreatorId ?? "", token.Subject, out _))
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

        return JoinRoom(token, drop, now, proceedIfAdmitted: true);
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
        if ((drop is not null && !token.IsViewerOf(drop.CreatorId)) || !_tickets.TryRead(ticket, dropId, token.CreatorId ?? "", token.Subject, out var id))
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
        return Room(drop, now).Find(id, now, conditions) is { } status
            ? View(status, ticket, statusUrl, conditions)
            : new QueueTicketResponse(ticket, "expired", null, null, null, null, statusUrl);
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

    private AdmissionDecision JoinRoom(AccessToken token, DropState drop, DateTimeOffset now, bool proceedIfAdmitted)
    {
        var creator = token.CreatorId ?? "";
        var conditions = Conditions(drop);
        if (Room(drop, now).Join(creator + "\n" + token.Subject, now, conditions) is not { } joined)
        {
            metrics.Refused("room_full");
            return AdmissionDecision.RoomFull;
        }

        var (status, created) = joined;

        if (proceedIfAdmitted && status.State == TicketState.Admitted)
        {
            return AdmissionDecision.Proceed;
        }

        var ticket = _tickets.Issue(status.Ticket.Id, drop.DropId, creator, token.Subject);
        return new AdmissionDecision(AdmissionVerdict.Queued, View(status, ticket, StatusUrl(drop.DropId, ticket), conditions), created);
    }

    private WaitingRoom Room(DropState drop, DateTimeOffset now)
        => _rooms.TryGetValue(drop.DropId, out var room)
            ? room
            : _rooms.GetOrAdd(drop.DropId, static (id, state) => new WaitingRoom(id, state.Options, state.Random, state.Metrics, state.Logger, state.Now),
                (Options: options.Value, Random, Metrics: metrics, Logger: (ILogger)logger, Now: now));

    private RoomConditions Conditions(DropState drop)
    {
        var settings = options.Value;
        var capacity = settings.MaxAdmitted;
        if (settings.ViewersPerUnsoldUnit > 0)
        {
            long unsold = 0;
            foreach (var sku in drop.Skus)
            {
                unsold += Math.Max(0, sku.Allocation - sku.Sold);
            }

            capacity = (int)Math.Clamp(Math.Ceiling(unsold * settings.ViewersPerUnsoldUnit), 1, settings.MaxAdmitted);
        }

        return new RoomConditions(DropPhases.StartsAt(drop), capacity);
    }

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
