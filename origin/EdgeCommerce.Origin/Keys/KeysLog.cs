namespace EdgeCommerce.Origin.Keys;

/// <summary>Key events: 1500-1599. Key ids are public; key material and tokens are never logged.</summary>
internal static partial class KeysLog
{
    [LoggerMessage(EventId = 1500, EventName = "KeyCreated", Level = LogLevel.Information, Message = "Created signing key {KeyId}.")]
    public static partial void KeyCreated(ILogger logger, string keyId);

    [LoggerMessage(EventId = 1501, EventName = "KeyRotated", Level = LogLevel.Information,
        Message = "Published signing key {KeyId}; previous keys retire at {RetireAt}.")]
    public static partial void KeyRotated(ILogger logger, string keyId, DateTimeOffset retireAt);

    [LoggerMessage(EventId = 1502, EventName = "KeyRevoked", Level = LogLevel.Warning, Message = "Revoked signing key {KeyId}: tokens it signed are refused from now on.")]
    public static partial void KeyRevoked(ILogger logger, string keyId);

    [LoggerMessage(EventId = 1503, EventName = "KeySweepFailed", Level = LogLevel.Error, Message = "Unable to sweep retired signing keys; retrying.")]
    public static partial void KeySweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1504, EventName = "BootstrapTokenWritten", Level = LogLevel.Information,
        Message = "Wrote a platform operator token to {Path} (owner-only).")]
    public static partial void BootstrapTokenWritten(ILogger logger, string path);
}
