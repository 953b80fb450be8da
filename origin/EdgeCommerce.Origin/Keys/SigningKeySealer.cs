using EdgeCommerce.Contracts;
using EdgeCommerce.Origin.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Keys;

/// <summary>
/// Seals signing keys on their way into the store and opens them on their way out, under the
/// key-encryption key at <c>Keys:EncryptionKeyPath</c>. Opened once at startup against what the
/// store holds: a missing KEK is created only for a store with no sealed key; a store sealed under
/// another KEK (or none to be found) stops the start with a message naming the setting, never with
/// a silently new KEK (which would strand every key, token and edge).
/// </summary>
internal sealed class SigningKeySealer(IOptions<KeysOptions> options, ILogger<SigningKeySealer> logger) : IDisposable
{
    private KeyEncryptionKey? _kek;
    private KeyEncryptionKey? _previous;

    private string Path => options.Value.EncryptionKeyPath;

    /// <summary>Reads (or creates) the KEK and checks it is the one the stored keys were sealed with (or the previous one, when rotating).</summary>
    public async Task OpenAsync(IReadOnlyList<SigningKeyRecord> stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        try
        {
            var previous = options.Value.PreviousEncryptionKeyPath is { Length: > 0 } previousPath
                ? KeyEncryptionKey.TryRead(previousPath) ?? throw new KeyEncryptionException($"There is no key-encryption key at Keys:PreviousEncryptionKeyPath ({previousPath}).")
                : null;
            var sealedWith = stored.Where(key => KeyEncryptionKey.IsSealed(key.PrivateKey)).Select(key => KeyEncryptionKey.SealedWith(key.PrivateKey))
                .Where(id => !string.Equals(id, previous?.Id, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
            if (OwnerOnly.SecureFile(Path) is { } found)
            {
                KeysLog.KeyEncryptionKeyModeTightened(logger, Path, found);
            }

            var kek = KeyEncryptionKey.TryRead(Path);
            if (kek is null)
            {
                if (sealedWith.Count > 0)
                {
                    previous?.Dispose();
                    throw new KeyEncryptionException(
                        $"The signing keys in the store are sealed with key-encryption key {sealedWith[0]}, and there is no key-encryption key at Keys:EncryptionKeyPath ({Path}). "
                        + "Put that key file there (a restored backup needs the key-encryption key of the origin it was taken from; origin replicas sharing a database share one). "
                        + "The origin does not start rather than create a new key-encryption key.");
                }

                kek = await KeyEncryptionKey.CreateAsync(Path, cancellationToken);
                KeysLog.KeyEncryptionKeyCreated(logger, Path, kek.Id);
            }

            if (sealedWith.FirstOrDefault(id => !string.Equals(id, kek.Id, StringComparison.Ordinal)) is { } other)
            {
                var id = kek.Id;
                kek.Dispose();
                previous?.Dispose();
                throw new KeyEncryptionException(
                    $"The signing keys in the store are sealed with key-encryption key {other}, but Keys:EncryptionKeyPath ({Path}) holds key-encryption key {id}. "
                    + "Start the origin with the key-encryption key file the store was sealed with (a restored backup needs the key-encryption key of the origin it was taken from; origin replicas sharing a database share one).");
            }

            Interlocked.Exchange(ref _kek, kek)?.Dispose();
            Interlocked.Exchange(ref _previous, previous)?.Dispose();
        }
        catch (KeyEncryptionException ex)
        {
            KeysLog.KeyEncryptionFailed(logger, ex.Message);
            throw;
        }
    }

    /// <summary>Whether a stored private key is sealed under the current KEK (else it is plaintext or under the previous one, and is sealed again).</summary>
    public bool IsCurrent(byte[] storedPrivateKey)
        => KeyEncryptionKey.IsSealed(storedPrivateKey) && string.Equals(KeyEncryptionKey.SealedWith(storedPrivateKey), Kek.Id, StringComparison.Ordinal);

    /// <summary>The record as the store keeps it: its private key sealed for its kid.</summary>
    public SigningKeyRecord Seal(SigningKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key with { PrivateKey = Kek.Seal(key.KeyId, key.PrivateKey) };
    }

    /// <summary>The record with its private key opened (a plaintext key from before sealing passes through, to be sealed on the next save).</summary>
    public SigningKeyRecord Open(SigningKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!KeyEncryptionKey.IsSealed(key.PrivateKey))
        {
            return key;
        }

        try
        {
            var kek = _previous is { } previous && string.Equals(KeyEncryptionKey.SealedWith(key.PrivateKey), previous.Id, StringComparison.Ordinal) ? previous : Kek;
            return key with { PrivateKey = kek.Open(key.KeyId, key.PrivateKey) };
        }
        catch (KeyEncryptionException ex)
        {
            var message = $"{ex.Message} Keys:EncryptionKeyPath is {Path}.";
            KeysLog.KeyEncryptionFailed(logger, message);
            throw new KeyEncryptionException(message, ex);
        }
    }

    /// <summary>
    /// Seals another secret the store keeps (a webhook's) under the current KEK, bound to
    /// <paramref name="associatedName"/> (its row) so that, moved to another row, it does not open.
    /// Names must not collide with a signing key's kid (16 hex digits): give them a prefix.
    /// </summary>
    public byte[] SealValue(string associatedName, ReadOnlySpan<byte> value) => Kek.Seal(associatedName, value);

    /// <summary>
    /// Opens what <see cref="SealValue"/> sealed for <paramref name="associatedName"/>, under the
    /// current KEK or the previous one while rotating; throws <see cref="KeyEncryptionException"/>
    /// when it names another KEK or does not open (altered, or moved from another row).
    /// </summary>
    public byte[] OpenValue(string associatedName, byte[] sealedValue, string description)
    {
        ArgumentNullException.ThrowIfNull(sealedValue);
        var kek = _previous is { } previous && KeyEncryptionKey.IsSealed(sealedValue) && string.Equals(KeyEncryptionKey.SealedWith(sealedValue), previous.Id, StringComparison.Ordinal)
            ? previous
            : Kek;
        return kek.Open(associatedName, sealedValue, description);
    }

    /// <summary>Whether <paramref name="sealedValue"/> names the current KEK or the previous one (a value sealed under any other cannot open here).</summary>
    public bool IsSealedWithKnownKey(ReadOnlySpan<byte> sealedValue)
        => KeyEncryptionKey.IsSealed(sealedValue)
            && (string.Equals(KeyEncryptionKey.SealedWith(sealedValue), Kek.Id, StringComparison.Ordinal)
                || string.Equals(KeyEncryptionKey.SealedWith(sealedValue), _previous?.Id, StringComparison.Ordinal));

    /// <summary>Logs a KEK failure the way the signing keys' are (critical, naming the setting) and returns the exception to throw.</summary>
    public KeyEncryptionException Failure(string reason)
    {
        var message = $"{reason} Keys:EncryptionKeyPath is {Path}. Start the origin with the key-encryption key file the store was sealed with "
            + "(a restored backup needs the key-encryption key of the origin it was taken from; origin replicas sharing a database share one).";
        KeysLog.KeyEncryptionFailed(logger, message);
        return new KeyEncryptionException(message);
    }

    /// <summary>The open KEK's public id.</summary>
    public string KeyEncryptionKeyId => Kek.Id;

    public void Dispose()
    {
        _kek?.Dispose();
        _previous?.Dispose();
    }

    private KeyEncryptionKey Kek => _kek ?? throw new InvalidOperationException("The key-encryption key is not open yet.");
}
