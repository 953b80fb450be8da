namespace EdgeCommerce.Edge.Recommendations;

/// <summary>Recommendation events at the edge: 1200-1299.</summary>
internal static partial class RecommendationsLog
{
    [LoggerMessage(EventId = 1700, EventName = "ModelActivated", Level = LogLevel.Information,
        Message = "Activated recommender model {Version} (sha256 {Sha256}, {Items} items).")]
    public static partial void ModelActivated(ILogger logger, string version, string sha256, int items);

    [LoggerMessage(EventId = 1701, EventName = "ModelRejected", Level = LogLevel.Warning,
        Message = "Refused recommender model {Version}: {Reason} The previous model keeps serving.")]
    public static partial void ModelRejected(ILogger logger, string version, string reason);

    [LoggerMessage(EventId = 1702, EventName = "ModelRetired", Level = LogLevel.Debug,
        Message = "Retired recommender model {Version}; its session is disposed once in-flight calls finish.")]
    public static partial void ModelRetired(ILogger logger, string version);

    [LoggerMessage(EventId = 1703, EventName = "InferenceFailed", Level = LogLevel.Error,
        Message = "Recommender model {Version} failed to score; answered with popularity instead.")]
    public static partial void InferenceFailed(ILogger logger, string version, Exception exception);

    [LoggerMessage(EventId = 1704, EventName = "EventsDropped", Level = LogLevel.Warning,
        Message = "The upstream event buffer is full: dropped {Dropped} oldest events so far.")]
    public static partial void EventsDropped(ILogger logger, long dropped);

    [LoggerMessage(EventId = 1705, EventName = "EventsForwardFailed", Level = LogLevel.Warning,
        Message = "Forwarding {Count} events to the origin failed; they stay buffered (oldest dropped when full).")]
    public static partial void EventsForwardFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 1706, EventName = "ModelFileFailed", Level = LogLevel.Warning,
        Message = "Could not keep model {Sha256} on disk; a restart will need it again from the origin.")]
    public static partial void ModelFileFailed(ILogger logger, string sha256, Exception exception);

    [LoggerMessage(EventId = 1707, EventName = "ModelDownloaded", Level = LogLevel.Debug,
        Message = "Received all {Size} bytes of model {Version} ({Sha256}).")]
    public static partial void ModelDownloaded(ILogger logger, string version, string sha256, long size);

    [LoggerMessage(EventId = 1708, EventName = "ModelAnnounced", Level = LogLevel.Debug,
        Message = "The replica names model {Version} ({Sha256}); activating.")]
    public static partial void ModelAnnounced(ILogger logger, string version, string sha256);
}
