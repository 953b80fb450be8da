namespace EdgeCommerce.Origin.Webhooks;

internal static partial class WebhooksLog
{
    [LoggerMessage(EventId = 1700, EventName = "WebhookDelivered", Level = LogLevel.Debug,
        Message = "Delivered {EventType} {EventId} to creator {CreatorId}'s webhook {WebhookId} (attempt {Attempt}).")]
    public static partial void Delivered(ILogger logger, string eventType, string eventId, string creatorId, string webhookId, int attempt);

    [LoggerMessage(EventId = 1701, EventName = "WebhookAttemptFailed", Level = LogLevel.Information,
        Message = "Delivery of {EventType} {EventId} to creator {CreatorId}'s webhook {WebhookId} failed (attempt {Attempt}: {Error}); next attempt at {NextAttemptAt:O}.")]
    public static partial void AttemptFailed(ILogger logger, string eventType, string eventId, string creatorId, string webhookId, int attempt, string error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 1702, EventName = "WebhookDeadLettered", Level = LogLevel.Warning,
        Message = "Gave up delivering {EventType} {EventId} to creator {CreatorId}'s webhook {WebhookId} after {Attempt} attempts ({Error}); it is dead-lettered.")]
    public static partial void DeadLettered(ILogger logger, string eventType, string eventId, string creatorId, string webhookId, int attempt, string error);

    [LoggerMessage(EventId = 1703, EventName = "WebhookDispatchFailed", Level = LogLevel.Warning,
        Message = "The webhook dispatcher could not read or write the outbox; it retries at its next poll.")]
    public static partial void DispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1704, EventName = "WebhookSecretDoesNotOpen", Level = LogLevel.Error,
        Message = "The secret of creator {CreatorId}'s webhook {WebhookId} does not open ({Reason}); its deliveries fail, unsigned, until the creator puts a new secret.")]
    public static partial void SecretDoesNotOpen(ILogger logger, string creatorId, string webhookId, string reason);

    [LoggerMessage(EventId = 1705, EventName = "WebhookSecretsSealed", Level = LogLevel.Information,
        Message = "Sealed {Count} webhook secrets under key-encryption key {KeyEncryptionKeyId}.")]
    public static partial void SecretsSealed(ILogger logger, int count, string keyEncryptionKeyId);
}
