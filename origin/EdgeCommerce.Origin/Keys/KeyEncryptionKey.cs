using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.Contracts;

namespace EdgeCommerce.Origin.Keys;

/// <summary>
/// The key-encryption key (KEK): 32 random bytes, base64 on one line in the file at
/// <c>Keys:EncryptionKeyPath</c>, never in the store and so never in a backup. Signing keys are
/// sealed with AES-256-GCM under it, and so are webhook secrets (bound to their row the same way). A sealed key is
/// <c>"ECK1" | KEK id (8) | nonce (12) | tag (16) | ciphertext</c>, and its associated data is the
/// header and the key's <c>kid</c>, so a sealed key copied onto another row (another kid) does not
/// open. The KEK id (the first 8 bytes of a SHA-256 over the KEK) tells a wrong KEK apart from an
/// altered row, and names the KEK a store needs without revealing it.
/// </summary>
internal sealed class KeyEncryptionKey : IDisposable
{
    public const int Size = 32;

    private const int IdLength = 8;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int HeaderLength = 4 + IdLength + NonceLength + TagLength;
    private static readonly byte[] s_magic = "ECK1"u8.ToArray();

    private readonly AesGcm _aes;
    private readonly byte[] _id;

    private KeyEncryptionKey(ReadOnlySpan<byte> key)
    {
        _aes = new AesGcm(key, TagLength);
        _id = IdOf(key);
    }

    /// <summary>The KEK's public id, as hex.</summary>
    public string Id => Convert.ToHexStringLower(_id);

    /// <summary>Reads the KEK at <paramref name="path"/>, or null when there is no such file.</summary>
    public static KeyEncryptionKey? TryRead(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        Span<byte> key = stackalloc byte[Size];
        if (!Convert.TryFromBase64String(text, key, out var written) || written != Size)
        {
            throw new KeyEncryptionException($"The file at Keys:EncryptionKeyPath ({path}) is not a key-encryption key: it must hold {Size} random bytes in base64 on one line.");
        }

        try
        {
            return new KeyEncryptionKey(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Creates a new random KEK in <paramref name="path"/>, owner-only (0600 in a 0700 directory).</summary>
    public static async Task<KeyEncryptionKey> CreateAsync(string path, CancellationToken cancellationToken)
    {
        var key = RandomNumberGenerator.GetBytes(Size);
        try
        {
            await SecretFile.WriteAsync(path, Convert.ToBase64String(key), cancellationToken);
            return new KeyEncryptionKey(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Whether <paramref name="stored"/> is a sealed key (anything else is a plaintext PKCS#8 from before sealing: DER starts with 0x30).</summary>
    public static bool IsSealed(ReadOnlySpan<byte> stored) => stored.Length > HeaderLength && stored[..4].SequenceEqual(s_magic);

    /// <summary>The id of the KEK that sealed <paramref name="stored"/> (a sealed key), as hex.</summary>
    public static string SealedWith(ReadOnlySpan<byte> stored) => Convert.ToHexStringLower(stored.Slice(4, IdLength));

    public byte[] Seal(string keyId, ReadOnlySpan<byte> privateKey)
    {
        var sealedKey = new byte[HeaderLength + privateKey.Length];
        s_magic.CopyTo(sealedKey, 0);
        _id.CopyTo(sealedKey, 4);
        var nonce = sealedKey.AsSpan(4 + IdLength, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        _aes.Encrypt(nonce, privateKey, sealedKey.AsSpan(HeaderLength), sealedKey.AsSpan(4 + IdLength + NonceLength, TagLength), AssociatedData(sealedKey, keyId));
        return sealedKey;
    }

    /// <summary>
    /// The private key sealed in <paramref name="sealedKey"/> for <paramref name="keyId"/>; throws
    /// <see cref="KeyEncryptionException"/> when it does not open. <paramref name="description"/>
    /// names what was sealed in that message (a signing key by default).
    /// </summary>
    public byte[] Open(string keyId, byte[] sealedKey, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(sealedKey);
        description ??= $"Signing key {keyId}";
        if (!IsSealed(sealedKey) || !sealedKey.AsSpan(4, IdLength).SequenceEqual(_id))
        {
            throw new KeyEncryptionException($"{description} is not sealed with this key-encryption key.");
        }

        var privateKey = new byte[sealedKey.Length - HeaderLength];
        try
        {
            _aes.Decrypt(sealedKey.AsSpan(4 + IdLength, NonceLength), sealedKey.AsSpan(HeaderLength), sealedKey.AsSpan(4 + IdLength + NonceLength, TagLength), privateKey, AssociatedData(sealedKey, keyId));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new KeyEncryptionException($"{description} does not open with the key-encryption key {Id}, which it names: the row was altered or moved from another row.");
        }

        return privateKey;
    }

    public void Dispose() => _aes.Dispose();

    private static byte[] IdOf(ReadOnlySpan<byte> key)
    {
        Span<byte> input = stackalloc byte[24 + Size];
        "edgecommerce kek id v1\0\0"u8.CopyTo(input);
        key.CopyTo(input[24..]);
        var hash = SHA256.HashData(input);
        CryptographicOperations.ZeroMemory(input);
        return hash[..IdLength];
    }

    private static byte[] AssociatedData(byte[] sealedKey, string keyId)
    {
        var kid = Encoding.UTF8.GetBytes(keyId);
        var data = new byte[4 + IdLength + 4 + kid.Length];
        sealedKey.AsSpan(0, 4 + IdLength).CopyTo(data);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4 + IdLength), kid.Length);
        kid.CopyTo(data, 4 + IdLength + 4);
        return data;
    }
}

/// <summary>The origin cannot use its signing keys with the key-encryption key it was given: it must not start.</summary>
public sealed class KeyEncryptionException : Exception
{
    public KeyEncryptionException()
    {
    }

    public KeyEncryptionException(string message)
        : base(message)
    {
    }

    public KeyEncryptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
