using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeCommerce.Contracts.Sync;
using Google.Protobuf;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// The replica on disk: <c>replica.bin</c> in the edge's data directory. Layout: 8-byte magic,
/// 8-byte payload length, 32-byte SHA-256 of the payload, then the <see cref="PersistedReplica"/>
/// bytes. Written to a temporary file, flushed to disk, then renamed over the old one: a crash at
/// any point leaves either the old file or the new one, never a torn one.
/// </summary>
internal sealed class ReplicaFile(string directory)
{
    public const string FileName = "replica.bin";

    private const int HeaderLength = 8 + 8 + 32;
    private static readonly byte[] s_magic = "ECREPL01"u8.ToArray();

    public string Path { get; } = System.IO.Path.Combine(directory, FileName);

    public async Task SaveAsync(PersistedReplica replica, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replica);
        Directory.CreateDirectory(directory);
        var payload = replica.ToByteArray();
        var header = new byte[HeaderLength];
        s_magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), payload.Length);
        SHA256.HashData(payload, header.AsSpan(16));

        var temporary = Path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
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

        if (bytes.Length < HeaderLength || !bytes.AsSpan(0, 8).SequenceEqual(s_magic))
        {
            return (null, "not a replica file (bad magic)");
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
        if (length != bytes.Length - HeaderLength)
        {
            return (null, "truncated or padded (length mismatch)");
        }

        var payload = bytes.AsMemory(HeaderLength);
        if (!SHA256.HashData(payload.Span).AsSpan().SequenceEqual(bytes.AsSpan(16, 32)))
        {
            return (null, "corrupt (checksum mismatch)");
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
}
