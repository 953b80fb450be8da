namespace EdgeCommerce.Edge.OriginLink;

/// <summary>Calls to the origin at the edge: 1300-1349. One line per circuit transition.</summary>
internal static partial class OriginLinkLog
{
    [LoggerMessage(EventId = 1300, EventName = "OriginCircuitOpened", Level = LogLevel.Warning,
        Message = "The circuit to origin {Origin} opened after {Failure}; calls needing it are refused for {BreakDuration} until a probe.")]
    public static partial void CircuitOpened(ILogger logger, string origin, string failure, TimeSpan breakDuration);

    [LoggerMessage(EventId = 1301, EventName = "OriginCircuitHalfOpened", Level = LogLevel.Information,
        Message = "The circuit to origin {Origin} is half-open: one call probes it.")]
    public static partial void CircuitHalfOpened(ILogger logger, string origin);

    [LoggerMessage(EventId = 1302, EventName = "OriginCircuitClosed", Level = LogLevel.Information,
        Message = "The circuit to origin {Origin} closed: the origin answers again.")]
    public static partial void CircuitClosed(ILogger logger, string origin);
}
