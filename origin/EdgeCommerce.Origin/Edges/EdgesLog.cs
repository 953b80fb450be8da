namespace EdgeCommerce.Origin.Edges;

/// <summary>Edge registry events: 1400-1499.</summary>
internal static partial class EdgesLog
{
    [LoggerMessage(EventId = 1400, EventName = "RegistryFlushFailed", Level = LogLevel.Warning,
        Message = "Unable to persist {Count} edge registry updates; retrying on the next flush.")]
    public static partial void RegistryFlushFailed(ILogger logger, int count, Exception exception);
}
