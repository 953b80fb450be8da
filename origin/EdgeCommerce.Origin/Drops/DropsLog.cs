namespace EdgeCommerce.Origin.Drops;

/// <summary>Drop log events at the origin: 1600-1649.</summary>
internal static partial class DropsLog
{
    [LoggerMessage(EventId = 1600, EventName = "LeaseGranted", Level = LogLevel.Debug,
        Message = "Leased {Units} units of drop {DropId} SKU {SkuId} to edge {EdgeId}.")]
    public static partial void LeaseGranted(ILogger logger, string dropId, string skuId, string edgeId, int units);
}
