namespace EdgeCommerce.Origin.Edges;

/// <summary>Edge registry events: 1400-1499.</summary>
internal static partial class EdgesLog
{
    [LoggerMessage(EventId = 1400, EventName = "RegistryFlushFailed", Level = LogLevel.Warning,
        Message = "Unable to persist {Count} edge registry updates; retrying on the next flush.")]
    public static partial void RegistryFlushFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 1401, EventName = "RevocationRefreshFailed", Level = LogLevel.Warning,
        Message = "Unable to read the revoked edges; the last set read stays in force.")]
    public static partial void RevocationRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1402, EventName = "EdgeRevoked", Level = LogLevel.Warning,
        Message = "Edge {EdgeId} was revoked: its streams end and its tokens are refused until it is allowed again.")]
    public static partial void EdgeRevoked(ILogger logger, string edgeId);

    [LoggerMessage(EventId = 1403, EventName = "EdgeAllowed", Level = LogLevel.Information,
        Message = "Edge {EdgeId} is allowed again.")]
    public static partial void EdgeAllowed(ILogger logger, string edgeId);
}
