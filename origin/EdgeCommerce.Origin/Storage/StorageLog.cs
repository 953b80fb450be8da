namespace EdgeCommerce.Origin.Storage;

/// <summary>Storage events: 1300-1399.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 1300, EventName = "StoreOpened", Level = LogLevel.Information,
        Message = "Origin store opened at {DatabasePath} with head revision {HeadRevision}.")]
    public static partial void StoreOpened(ILogger logger, string databasePath, long headRevision);

    [LoggerMessage(EventId = 1301, EventName = "PostgresStoreOpened", Level = LogLevel.Information,
        Message = "Origin store opened on PostgreSQL database {Database} at {Host}:{Port} with head revision {HeadRevision}.")]
    public static partial void PostgresStoreOpened(ILogger logger, string database, string host, int port, long headRevision);

    [LoggerMessage(EventId = 1302, EventName = "SchemaMigrated", Level = LogLevel.Information,
        Message = "Migrated the PostgreSQL schema from version {FromVersion} to {ToVersion}.")]
    public static partial void SchemaMigrated(ILogger logger, int fromVersion, int toVersion);

    [LoggerMessage(EventId = 1303, EventName = "RevisionListenerConnected", Level = LogLevel.Information,
        Message = "Listening for revisions committed by any origin replica; head revision {HeadRevision}.")]
    public static partial void RevisionListenerConnected(ILogger logger, long headRevision);

    [LoggerMessage(EventId = 1304, EventName = "RevisionListenerDisconnected", Level = LogLevel.Warning,
        Message = "The revision listener lost its PostgreSQL connection; reconnecting in {Delay}. Meanwhile sync streams see other replicas' writes at each heartbeat.")]
    public static partial void RevisionListenerDisconnected(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 1305, EventName = "BadRevisionNotification", Level = LogLevel.Warning,
        Message = "Ignored a revision notification whose payload is not a revision: {Payload}.")]
    public static partial void BadRevisionNotification(ILogger logger, string payload);

    [LoggerMessage(EventId = 1340, EventName = "DataModeTightened", Level = LogLevel.Warning,
        Message = "{Path} was open to other users (mode {Found}); made it owner-only (0700 for a directory, 0600 for a file).")]
    public static partial void DataModeTightened(ILogger logger, string path, UnixFileMode found);
}
