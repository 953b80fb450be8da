namespace EdgeCommerce.Edge.Drops.Admission;

internal enum TicketState
{
    Waiting,
    Admitted,
    /// <summary>The pass ran out, or the viewer left before its turn.</summary>
    Expired,
}

/// <summary>One viewer's place in one drop's waiting room. Mutable only under the room's lock.</summary>
internal sealed class RoomTicket(Guid id, string viewerKey, DateTimeOffset joinedAt, bool beforeStart)
{
    public Guid Id { get; } = id;

    /// <summary>Creator and subject of the token that joined: one ticket per viewer and drop.</summary>
    public string ViewerKey { get; } = viewerKey;

    public DateTimeOffset JoinedAt { get; } = joinedAt;

    /// <summary>Arrived before the drop opened: shuffled with the others at the start.</summary>
    public bool BeforeStart { get; } = beforeStart;

    public TicketState State { get; set; } = TicketState.Waiting;

    /// <summary>Tie-break in the admission order, from 1; 0 until the start for arrivals before it.</summary>
    public long Sequence { get; set; }

    /// <summary>
    /// Where the ticket stands in line: when it joined (the drop's start for arrivals before it,
    /// whom the start's shuffle orders by <see cref="Sequence"/>). A ticket moved here from another
    /// edge keeps the time it joined there, so it stands ahead of everyone who came after it.
    /// </summary>
    public DateTimeOffset Place { get; set; }

    /// <summary>Last poll or reservation attempt: a viewer silent for <see cref="AdmissionOptions.AbandonAfter"/> has left.</summary>
    public DateTimeOffset LastSeen { get; set; } = joinedAt;

    public DateTimeOffset? AdmittedUntil { get; set; }
}

/// <summary>What a viewer's ticket says right now; <see cref="Position"/> is 1-based, null before the start and once admitted.</summary>
internal readonly record struct TicketStatus(RoomTicket Ticket, TicketState State, long? Position, int? EstimatedWaitSeconds, DateTimeOffset? AdmittedUntil);

/// <summary>A ticket signed by another edge (or before a restart) that this room honours once: its id and when it joined the line there.</summary>
internal readonly record struct MovedTicket(Guid Id, DateTimeOffset JoinedAt);

/// <summary>The conditions a room admits under, read from the replica at each call (they may change between calls).</summary>
/// <param name="StartsAt">When the drop opens for everyone: arrivals before it are shuffled then.</param>
/// <param name="Capacity">Viewers who may hold a pass at once (options and unsold stock).</param>
internal readonly record struct RoomConditions(DateTimeOffset StartsAt, int Capacity);
