using Grpc.Core;

namespace EdgeCommerce.Edge.Relay;

/// <summary>Relay events at the edge: 1800-1819.</summary>
internal static partial class RelayLog
{
    [LoggerMessage(EventId = 1800, EventName = "RelayEdgeConnected", Level = LogLevel.Information,
        Message = "Downstream edge {EdgeId} ({Region}) connected from revision {FromRevision}.")]
    public static partial void EdgeConnected(ILogger logger, string edgeId, string region, long fromRevision);

    [LoggerMessage(EventId = 1801, EventName = "RelayEdgeDisconnected", Level = LogLevel.Information,
        Message = "Downstream edge {EdgeId} disconnected.")]
    public static partial void EdgeDisconnected(ILogger logger, string edgeId);

    [LoggerMessage(EventId = 1802, EventName = "RelaySnapshotStarting", Level = LogLevel.Information,
        Message = "Sending downstream edge {EdgeId} a snapshot of this relay's replica at revision {Revision} ({Reason}).")]
    public static partial void SnapshotStarting(ILogger logger, string edgeId, long revision, string reason);

    [LoggerMessage(EventId = 1803, EventName = "RelayStreamEnded", Level = LogLevel.Information,
        Message = "Ended downstream edge {EdgeId}'s stream with {StatusCode}: {Detail}")]
    public static partial void StreamEnded(ILogger logger, string edgeId, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 1804, EventName = "RelayEdgeRejected", Level = LogLevel.Warning,
        Message = "Downstream edge {EdgeId} refused revision {Revision}: {Reason}")]
    public static partial void EdgeRejected(ILogger logger, string edgeId, long revision, string reason);

    [LoggerMessage(EventId = 1805, EventName = "RelayModelMissing", Level = LogLevel.Warning,
        Message = "The bytes of model {Version} ({Sha256}) are not on this relay's disk; downstream edges keep their previous model.")]
    public static partial void ModelMissing(ILogger logger, string version, string sha256);
}
