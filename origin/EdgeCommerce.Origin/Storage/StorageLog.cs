namespace EdgeCommerce.Origin.Storage;

/// <summary>Storage events: 1300-1399.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 1300, EventName = "StoreOpened", Level = LogLevel.Information,
        Message = "Origin store opened at {DatabasePath} with head revision {HeadRevision}.")]
    public static partial void StoreOpened(ILogger logger, string databasePath, long headRevision);
}
