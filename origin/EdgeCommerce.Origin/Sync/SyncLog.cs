namespace EdgeCommerce.Origin.Sync;

/// <summary>Sync events at the origin: 1100-1199.</summary>
internal static partial class SyncLog
{
    [LoggerMessage(EventId = 1100, EventName = "EdgeConnected", Level = LogLevel.Information,
        Message = "Edge {EdgeId} ({Region}) opened a stream from revision {FromRevision} with protocol {ProtocolVersion}.")]
    public static partial void EdgeConnected(ILogger logger, string edgeId, string region, long fromRevision, int protocolVersion);

    [LoggerMessage(EventId = 1101, EventName = "EdgeDisconnected", Level = LogLevel.Information,
        Message = "Edge {EdgeId} closed its watch.")]
    public static partial void EdgeDisconnected(ILogger logger, string edgeId);

    [LoggerMessage(EventId = 1102, EventName = "SnapshotStarting", Level = LogLevel.Information,
        Message = "Sending edge {EdgeId} a snapshot at revision {Revision} with {Creators} creators: {Reason}.")]
    public static partial void SnapshotStarting(ILogger logger, string edgeId, long revision, int creators, string reason);

    [LoggerMessage(EventId = 1103, EventName = "EdgeRejected", Level = LogLevel.Warning,
        Message = "Edge {EdgeId} refused revision {Revision}: {Reason}")]
    public static partial void EdgeRejected(ILogger logger, string edgeId, long revision, string reason);

    [LoggerMessage(EventId = 1104, EventName = "BadEdgeMessage", Level = LogLevel.Warning,
        Message = "Edge {EdgeId} sent a {Kind} message where an acknowledgement was expected; closing its stream.")]
    public static partial void BadEdgeMessage(ILogger logger, string edgeId, string kind);

    [LoggerMessage(EventId = 1105, EventName = "ChangeLogCompacted", Level = LogLevel.Information,
        Message = "Compacted {Deleted} change records up to revision {Horizon}.")]
    public static partial void ChangeLogCompacted(ILogger logger, int deleted, long horizon);

    [LoggerMessage(EventId = 1106, EventName = "CompactionFailed", Level = LogLevel.Error,
        Message = "Unable to compact the change log; retrying on the next round.")]
    public static partial void CompactionFailed(ILogger logger, Exception exception);
}
