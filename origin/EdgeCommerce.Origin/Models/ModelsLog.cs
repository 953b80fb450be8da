namespace EdgeCommerce.Origin.Models;

/// <summary>Model and interaction events at the origin: 1600-1699.</summary>
internal static partial class ModelsLog
{
    [LoggerMessage(EventId = 1800, EventName = "ModelTrained", Level = LogLevel.Information,
        Message = "Trained model {Version} on {Interactions} interactions in {Seconds:F1} s: AUC {Auc:F3}, NDCG@10 {Ndcg:F3} (popularity {PopularityNdcg:F3}).")]
    public static partial void ModelTrained(ILogger logger, string version, int interactions, double seconds, double auc, double ndcg, double popularityNdcg);

    [LoggerMessage(EventId = 1801, EventName = "ModelActivated", Level = LogLevel.Information,
        Message = "Activated model {Version} at revision {Revision}.")]
    public static partial void ModelActivated(ILogger logger, string version, long revision);

    [LoggerMessage(EventId = 1802, EventName = "InteractionsExpired", Level = LogLevel.Information,
        Message = "Deleted {Count} interactions older than {Before}.")]
    public static partial void InteractionsExpired(ILogger logger, int count, DateTimeOffset before);

    [LoggerMessage(EventId = 1803, EventName = "RetentionFailed", Level = LogLevel.Warning,
        Message = "Deleting expired interactions failed; retrying at the next interval.")]
    public static partial void RetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1804, EventName = "InteractionsReceived", Level = LogLevel.Debug,
        Message = "Stored {Count} interactions from edge {EdgeId}.")]
    public static partial void InteractionsReceived(ILogger logger, int count, string edgeId);
}
