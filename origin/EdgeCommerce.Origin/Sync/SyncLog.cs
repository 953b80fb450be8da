namespace EdgeCommerce.Origin.Sync;

/// <summary>Sync events at the origin: 1100-1199.</summary>
internal static partial class SyncLog
{
    [LoggerMessage(EventId = 1100, EventName = "EdgeConnected", Level = LogLevel.Information,
        Message = "Edge {EdgeId} ({Region}) opened a watch from revision {FromRevision}.")]
    public static partial void EdgeConnected(ILogger logger, string edgeId, string region, long fromRevision);

    [LoggerMessage(EventId = 1101, EventName = "EdgeDisconnected", Level = LogLevel.Information,
        Message = "Edge {EdgeId} closed its watch.")]
    public static partial void EdgeDisconnected(ILogger logger, string edgeId);

    [LoggerMessage(EventId = 1102, EventName = "SnapshotSent", Level = LogLevel.Information,
        Message = "Sent edge {EdgeId} a snapshot at revision {Revision} with {Creators} creators.")]
    public static partial void SnapshotSent(ILogger logger, string edgeId, long revision, int creators);
}
