using Grpc.Core;

namespace EdgeCommerce.Edge.Sync;

/// <summary>Sync events at the edge: 1100-1199.</summary>
internal static partial class SyncLog
{
    /// <remarks>Information on a first attempt, Debug on a retry: the failed attempt's line already says a retry follows.</remarks>
    [LoggerMessage(EventId = 1100, EventName = "StreamOpening",
        Message = "Opening the watch stream to {OriginAddress} from revision {FromRevision}.")]
    public static partial void StreamOpening(ILogger logger, LogLevel level, string originAddress, long fromRevision);

    [LoggerMessage(EventId = 1101, EventName = "SnapshotApplied", Level = LogLevel.Information,
        Message = "Applied a snapshot at revision {Revision} with {Creators} creators.")]
    public static partial void SnapshotApplied(ILogger logger, long revision, int creators);

    [LoggerMessage(EventId = 1102, EventName = "BatchApplied", Level = LogLevel.Debug,
        Message = "Applied {Changes} changes up to revision {Revision}.")]
    public static partial void BatchApplied(ILogger logger, int changes, long revision);

    [LoggerMessage(EventId = 1103, EventName = "StreamEnded", Level = LogLevel.Warning,
        Message = "The origin ended the watch stream; reconnecting.")]
    public static partial void StreamEnded(ILogger logger);

    /// <remarks>
    /// One line per failed attempt, without a stack trace (an origin that is down is an expected
    /// state, and a reconnect loop must stay readable); the exception is logged at Debug by
    /// <see cref="StreamFailedDetail"/>.
    /// </remarks>
    [LoggerMessage(EventId = 1104, EventName = "StreamFailed", Level = LogLevel.Warning,
        Message = "Watch stream to {OriginAddress} failed (attempt {Attempt}): {StatusCode}: {Reason}. Serving from the replica; retrying {NextAddress} in {DelaySeconds} s.")]
    public static partial void StreamFailed(ILogger logger, string originAddress, int attempt, StatusCode statusCode, string reason, string nextAddress, double delaySeconds);

    [LoggerMessage(EventId = 1117, EventName = "StreamFailedDetail", Level = LogLevel.Debug,
        Message = "Watch stream to {OriginAddress} failed with {StatusCode}.")]
    public static partial void StreamFailedDetail(ILogger logger, string originAddress, StatusCode statusCode, Exception exception);

    [LoggerMessage(EventId = 1105, EventName = "BatchRejected", Level = LogLevel.Warning,
        Message = "Refused a change batch at revision {Revision}; resuming from it.")]
    public static partial void BatchRejected(ILogger logger, long revision, Exception exception);

    [LoggerMessage(EventId = 1106, EventName = "StreamIdle", Level = LogLevel.Warning,
        Message = "No message from the origin for {IdleTimeout}; reopening the stream.")]
    public static partial void StreamIdle(ILogger logger, TimeSpan idleTimeout);

    [LoggerMessage(EventId = 1107, EventName = "StreamBroken", Level = LogLevel.Error,
        Message = "The watch stream broke unexpectedly; reconnecting.")]
    public static partial void StreamBroken(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1108, EventName = "UnknownMessage", Level = LogLevel.Warning,
        Message = "Ignored a watch message of a kind this edge does not know.")]
    public static partial void UnknownMessage(ILogger logger);

    [LoggerMessage(EventId = 1109, EventName = "EvictionFailed", Level = LogLevel.Error,
        Message = "Unable to evict widget cache entries; they expire by themselves.")]
    public static partial void EvictionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1110, EventName = "PersistedReplicaLoaded", Level = LogLevel.Information,
        Message = "Loaded the persisted replica {Path} at revision {Revision} with {Creators} creators; serving from it.")]
    public static partial void PersistedReplicaLoaded(ILogger logger, string path, long revision, int creators);

    [LoggerMessage(EventId = 1111, EventName = "PersistedReplicaIgnored", Level = LogLevel.Warning,
        Message = "Ignoring the persisted replica {Path}: {Reason}. Waiting for a snapshot from the origin.")]
    public static partial void PersistedReplicaIgnored(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1112, EventName = "PersistFailed", Level = LogLevel.Error,
        Message = "Unable to persist the replica to {Path}; still serving from memory.")]
    public static partial void PersistFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 1113, EventName = "SnapshotStreamBroken", Level = LogLevel.Warning,
        Message = "A chunked snapshot arrived out of order: {Reason}.")]
    public static partial void SnapshotStreamBroken(ILogger logger, string reason);

    [LoggerMessage(EventId = 1114, EventName = "KeysRejected", Level = LogLevel.Error,
        Message = "Ignored {Count} signing keys from the origin that are not valid P-256 public keys; tokens they sign are refused.")]
    public static partial void KeysRejected(ILogger logger, int count);

    [LoggerMessage(EventId = 1115, EventName = "SyncTokenRenewed", Level = LogLevel.Information,
        Message = "The origin renewed this edge's sync token; the new one expires at Unix time {ExpiresAtUnix}.")]
    public static partial void TokenRenewed(ILogger logger, long expiresAtUnix);

    [LoggerMessage(EventId = 1140, EventName = "DataModeTightened", Level = LogLevel.Warning,
        Message = "{Path} was open to other users (mode {Found}); made it owner-only (0700 for a directory, 0600 for a file).")]
    public static partial void DataModeTightened(ILogger logger, string path, UnixFileMode found);

    [LoggerMessage(EventId = 1118, EventName = "SyncReturning", Level = LogLevel.Information,
        Message = "Leaving fallback {FallbackAddress} to try the preferred sync address {PreferredAddress} again, from revision {Revision}.")]
    public static partial void Returning(ILogger logger, string fallbackAddress, string preferredAddress, long revision);

    [LoggerMessage(EventId = 1119, EventName = "SyncReturnUnanswered", Level = LogLevel.Warning,
        Message = "The preferred sync address {PreferredAddress} sent nothing within {ReturnTimeout}; going back along the list.")]
    public static partial void ReturnUnanswered(ILogger logger, string preferredAddress, TimeSpan returnTimeout);

    /// <remarks>Warning when a stream that had delivered went idle; Debug after a failed attempt, whose line names the next address.</remarks>
    [LoggerMessage(EventId = 1116, EventName = "SyncFailingOver",
        Message = "Moving the watch stream to origin replica {OriginAddress}, resuming from revision {Revision}.")]
    public static partial void FailingOver(ILogger logger, LogLevel level, string originAddress, long revision);
}
