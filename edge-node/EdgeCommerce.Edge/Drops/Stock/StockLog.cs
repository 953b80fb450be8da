using Grpc.Core;

namespace EdgeCommerce.Edge.Drops.Stock;

internal static partial class StockLog
{
    [LoggerMessage(EventId = 1695, EventName = "HoldsReportFailed", Level = LogLevel.Debug,
        Message = "Reporting held units to the origin failed ({StatusCode}); the next report carries them.")]
    public static partial void HoldsReportFailed(ILogger logger, StatusCode statusCode);

    [LoggerMessage(EventId = 1696, EventName = "HoldsReportError", Level = LogLevel.Warning,
        Message = "The held-units report failed; the next one carries its counts.")]
    public static partial void HoldsReportError(ILogger logger, Exception exception);
}
