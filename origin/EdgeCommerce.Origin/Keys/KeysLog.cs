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

    [LoggerMessage(EventId = 1505, EventName = "KeyEncryptionKeyCreated", Level = LogLevel.Warning,
        Message = "Created a key-encryption key {KeyEncryptionKeyId} at {Path} (owner-only). The signing keys are sealed with it: keep it safe, apart from the backups, and give every origin replica sharing this store the same file.")]
    public static partial void KeyEncryptionKeyCreated(ILogger logger, string path, string keyEncryptionKeyId);

    [LoggerMessage(EventId = 1506, EventName = "SigningKeysSealed", Level = LogLevel.Information,
        Message = "Sealed {Count} signing keys that the store held in plaintext or under the previous key-encryption key with key-encryption key {KeyEncryptionKeyId}.")]
    public static partial void SigningKeysSealed(ILogger logger, int count, string keyEncryptionKeyId);

    [LoggerMessage(EventId = 1507, EventName = "KeyEncryptionFailed", Level = LogLevel.Critical, Message = "{Reason}")]
    public static partial void KeyEncryptionFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1508, EventName = "KeyEncryptionKeyModeTightened", Level = LogLevel.Warning,
        Message = "The key-encryption key {Path} was readable by others (mode {Found}); made it owner-only (0600).")]
    public static partial void KeyEncryptionKeyModeTightened(ILogger logger, string path, UnixFileMode found);
}
