using Grpc.Core;

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

    [LoggerMessage(EventId = 1150, EventName = "AckNeverSent", Level = LogLevel.Warning,
        Message = "Edge {EdgeId} acknowledged revision {Revision}, which its stream never sent (sent up to {Sent}); closing the stream.")]
    public static partial void AckNeverSent(ILogger logger, string edgeId, long revision, long sent);

    [LoggerMessage(EventId = 1151, EventName = "UndecodableEdgeMessage", Level = LogLevel.Warning,
        Message = "Edge {EdgeId} sent a message that could not be decoded; closing the stream.")]
    public static partial void UndecodableEdgeMessage(ILogger logger, string edgeId);

    [LoggerMessage(EventId = 1152, EventName = "StreamEnded", Level = LogLevel.Information,
        Message = "The stream of edge {EdgeId} was ended with {StatusCode}: {Detail}")]
    public static partial void StreamEnded(ILogger logger, string edgeId, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 1153, EventName = "EdgeMessageRefused", Level = LogLevel.Warning,
        Message = "A message of edge {EdgeId} was refused with {StatusCode} ({Detail}); closing the stream.")]
    public static partial void EdgeMessageRefused(ILogger logger, string edgeId, StatusCode statusCode, string detail);
}
