using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using Google.Protobuf;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// The replica on disk: <c>replica.bin</c> in the edge's data directory. Layout: 8-byte magic,
/// 8-byte payload length, 32-byte HMAC-SHA256 of the payload, then the <see cref="PersistedReplica"/>
/// bytes. Written to a temporary file, flushed to disk, then renamed over the old one: a crash at
/// any point leaves either the old file or the new one, never a torn one.
/// The MAC's key is this edge's own secret, <c>replica.key</c> beside it (32 random bytes in
/// base64, created owner-only on the first save): the replica carries the origin's public signing
/// keys, and a plain checksum would let anyone who can write the file plant a key of their own and
/// mint tokens the edge accepts. A file that does not authenticate (altered, written by another
/// edge or by a version without the MAC) is not loaded at all: the edge waits for a snapshot from
/// the origin, as it does with no file.
/// </summary>
internal sealed class ReplicaFile(string directory)
{
    public const string FileName = "replica.bin";

    /// <summary>The MAC key's file, beside the replica.</summary>
    public const string KeyFileName = "replica.key";

    private const int KeyLength = 32;
    private const int HeaderLength = 8 + 8 + 32;
    private static readonly byte[] s_magic = "ECREPL02"u8.ToArray();
    private static readonly byte[] s_unauthenticatedMagic = "ECREPL01"u8.ToArray();

    private byte[]? _key;

    public string Path { get; } = System.IO.Path.Combine(directory, FileName);

    public string KeyPath { get; } = System.IO.Path.Combine(directory, KeyFileName);

    public async Task SaveAsync(PersistedReplica replica, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replica);
        OwnerOnly.CreateDirectory(directory);
        var key = await GetOrCreateKeyAsync(cancellationToken);
        var payload = replica.ToByteArray();
        var header = new byte[HeaderLength];
        s_magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), payload.Length);
        HMACSHA256.HashData(key, payload, header.AsSpan(16));

        var temporary = Path + ".tmp";
        if (!OperatingSystem.IsWindows())
        {
            File.Delete(temporary); // The owner-only create mode applies only to a file this call creates.
        }

        await using (var stream = new FileStream(temporary, OwnerOnly.CreateOptions(FileMode.Create, FileAccess.Write, FileOptions.Asynchronous, 64 * 1024)))
        {
            await stream.WriteAsync(header, cancellationToken);
            await stream.WriteAsync(payload, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            // Data on disk before the rename makes it visible.
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>Reads the file, or returns why it cannot be used (missing, torn, corrupt, foreign).</summary>
    public async Task<(PersistedReplica? Replica, string? Problem)> LoadAsync(string expectedEdgeId, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return (null, "no persisted replica");
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(Path, cancellationToken);
        }
        catch (IOException ex)
        {
            return (null, "unreadable: " + ex.Message);
        }

        if (bytes.Length >= 8 && bytes.AsSpan(0, 8).SequenceEqual(s_unauthenticatedMagic))
        {
            return (null, "not authenticated (written without a MAC by an older version)");
        }

        if (bytes.Length < HeaderLength || !bytes.AsSpan(0, 8).SequenceEqual(s_magic))
        {
            return (null, "not a replica file (bad magic)");
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
        if (length != bytes.Length - HeaderLength)
        {
            return (null, "truncated or padded (length mismatch)");
        }

        if (ReadKey() is not { } key)
        {
            return (null, $"not authenticated (no {KeyFileName} to check its MAC with)");
        }

        var payload = bytes.AsMemory(HeaderLength);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, payload.Span, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes.AsSpan(16, 32)))
        {
            return (null, $"not authenticated (MAC mismatch: damaged, altered, or written under another {KeyFileName})");
        }

        PersistedReplica replica;
        try
        {
            replica = PersistedReplica.Parser.ParseFrom(payload.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return (null, "corrupt (unparsable): " + ex.Message);
        }

        if (!string.Equals(replica.EdgeId, expectedEdgeId, StringComparison.Ordinal))
        {
            return (null, $"foreign (written by edge '{replica.EdgeId}')");
        }

        if (replica.Snapshot is null)
        {
            return (null, "corrupt (no snapshot)");
        }

        return (replica, null);
    }

    private byte[]? ReadKey()
    {
        if (_key is not null)
        {
            return _key;
        }

        if (SecretFile.TryRead(KeyPath) is not { } text)
        {
            return null;
        }

        var key = new byte[KeyLength];
        return Convert.TryFromBase64String(text, key, out var written) && written == KeyLength ? _key = key : null;
    }

    private async Task<byte[]> GetOrCreateKeyAsync(CancellationToken cancellationToken)
    {
        if (ReadKey() is { } key)
        {
            return key;
        }

        await SecretFile.WriteAsync(KeyPath, Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyLength)), cancellationToken);
        // What is on disk now, should another writer have raced this one.
        return ReadKey() ?? throw new IOException($"Unable to read back {KeyPath}.");
    }
}
