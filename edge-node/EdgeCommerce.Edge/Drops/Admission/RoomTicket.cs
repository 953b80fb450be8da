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

    /// <summary>Place in the admission order, from 1; 0 until the start for arrivals before it.</summary>
    public long Sequence { get; set; }

    /// <summary>Last poll or reservation attempt: a viewer silent for <see cref="AdmissionOptions.AbandonAfter"/> has left.</summary>
    public DateTimeOffset LastSeen { get; set; } = joinedAt;

    public DateTimeOffset? AdmittedUntil { get; set; }
}

/// <summary>What a viewer's ticket says right now; <see cref="Position"/> is 1-based, null before the start and once admitted.</summary>
internal readonly record struct TicketStatus(RoomTicket Ticket, TicketState State, long? Position, int? EstimatedWaitSeconds, DateTimeOffset? AdmittedUntil);

/// <summary>The conditions a room admits under, read from the replica at each call (they may change between calls).</summary>
/// <param name="StartsAt">When the drop opens for everyone: arrivals before it are shuffled then.</param>
/// <param name="Capacity">Viewers who may hold a pass at once (options and unsold stock).</param>
internal readonly record struct RoomConditions(DateTimeOffset StartsAt, int Capacity);
