using EdgeCommerce.Edge.OriginLink;
using Grpc.Core;

namespace EdgeCommerce.Edge.Drops;

/// <summary>Drop log events on the edge: 1650-1699.</summary>
internal static partial class DropsLog
{
    [LoggerMessage(EventId = 1650, EventName = "OriginCallFailed", Level = LogLevel.Warning,
        Message = "Drop call {Call} to the origin failed ({StatusCode}); the viewer was told to retry.")]
    public static partial void OriginCallFailed(ILogger logger, string call, string statusCode);

    /// <summary>
    /// An unreachable origin is logged when a call found it so (a timeout or the last replica's
    /// failure); refusals by an open circuit are not, since each transition already has its line.
    /// </summary>
    public static void Unreachable(ILogger logger, string call, OriginUnavailableException exception)
    {
        if (!exception.CircuitOpen)
        {
            OriginCallFailed(logger, call, exception.InnerException switch
            {
                RpcException rpc => rpc.StatusCode.ToString(),
                _ => "Timeout",
            });
        }
    }

    [LoggerMessage(EventId = 1651, EventName = "SaleRefused", Level = LogLevel.Information,
        Message = "The origin refused a sale for drop {DropId}: {Reason}. The reservation's units were released.")]
    public static partial void SaleRefused(ILogger logger, string dropId, string reason);

    [LoggerMessage(EventId = 1652, EventName = "LeaseTooShort", Level = LogLevel.Warning,
        Message = "A lease for drop {DropId} expiring at {ExpiresAtUnixMs} is too short for Drops:ReservationTtl plus Drops:ClockSkewMargin; raise the origin's Drops:LeaseDuration.")]
    public static partial void LeaseTooShort(ILogger logger, string dropId, long expiresAtUnixMs);

    [LoggerMessage(EventId = 1653, EventName = "SweepFailed", Level = LogLevel.Error,
        Message = "The drop housekeeping sweep failed; it runs again at the next interval.")]
    public static partial void SweepFailed(ILogger logger, Exception exception);
}
