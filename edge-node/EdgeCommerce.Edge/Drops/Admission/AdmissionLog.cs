namespace EdgeCommerce.Edge.Drops.Admission;

/// <summary>Waiting-room log events on the edge: 1660-1679 (inside the edge's Drops range 1650-1699). Tickets are never logged.</summary>
internal static partial class AdmissionLog
{
    [LoggerMessage(EventId = 1660, EventName = "RoomStarted", Level = LogLevel.Information,
        Message = "Waiting room of drop {DropId} started: {Count} viewers who arrived before the start were shuffled.")]
    public static partial void RoomStarted(ILogger logger, string dropId, int count);

    [LoggerMessage(EventId = 1661, EventName = "RoomFull", Level = LogLevel.Warning,
        Message = "Waiting room of drop {DropId} is full ({MaxTickets} tickets); new viewers get 503 until places free up.")]
    public static partial void RoomFull(ILogger logger, string dropId, int maxTickets);

    [LoggerMessage(EventId = 1662, EventName = "InvalidTicket", Level = LogLevel.Debug,
        Message = "A queue ticket for drop {DropId} did not check (forged, altered, another viewer's, or signed with another key).")]
    public static partial void InvalidTicket(ILogger logger, string dropId);

    [LoggerMessage(EventId = 1663, EventName = "RoomClosed", Level = LogLevel.Debug,
        Message = "Waiting room of drop {DropId} closed ({Phase}); {Waiting} waiting and {Admitted} admitted viewers let go.")]
    public static partial void RoomClosed(ILogger logger, string dropId, string phase, int waiting, int admitted);
}
