using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.Tests.Common;
using Google.Protobuf;
using static EdgeCommerce.Edge.Tests.Infrastructure.CatalogData;

namespace EdgeCommerce.Edge.Tests.Sync;

/// <summary>The replica file on disk: a round trip, and every way it can be damaged reported, never thrown.</summary>
public sealed class ReplicaFileTests : IDisposable
{
    private const string EdgeId = "edge-eu-1";
    private const int HeaderLength = 8 + 8 + 32;

    private readonly TempDirectory _directory = new("edgecommerce-replica-file");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SaveAsync_ThenLoadAsync_RoundTripsTheReplica()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var file = new ReplicaFile(_directory.Path);
        var replica = Persisted(EdgeId, 12, CatalogOf("a", 3, "p1", "p2"), CatalogOf("b", 12, "p3"));

        // Act
        await file.SaveAsync(replica, cancellationToken);
        var (loaded, problem) = await file.LoadAsync(EdgeId, cancellationToken);

        // Assert
        Assert.Null(problem);
        Assert.Equal(replica, loaded);
        Assert.Equal(_directory.Combine(ReplicaFile.FileName), file.Path);
        Assert.False(File.Exists(file.Path + ".tmp"));
    }

    [Fact]
    public async Task SaveAsync_MissingDirectory_CreatesIt()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var file = new ReplicaFile(_directory.Combine("nested", "edge"));

        // Act
        await file.SaveAsync(Persisted(EdgeId, 1, CatalogOf("a", 1, "p1")), cancellationToken);
        var (loaded, _) = await file.LoadAsync(EdgeId, cancellationToken);

        // Assert
        Assert.Equal(1, loaded?.Snapshot.Revision);
    }

    [Fact]
    public async Task SaveAsync_OverAnExistingFile_ReplacesIt()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var file = new ReplicaFile(_directory.Path);
        await file.SaveAsync(Persisted(EdgeId, 40, Enumerable.Range(0, 50).Select(static i => CatalogOf("creator-" + i, 40, "p1", "p2", "p3")).ToArray()), cancellationToken);
        var smaller = Persisted(EdgeId, 41, CatalogOf("a", 41, "p1"));

        // Act
        await file.SaveAsync(smaller, cancellationToken);
        var (loaded, problem) = await file.LoadAsync(EdgeId, cancellationToken);

        // Assert: nothing of the longer old file is left behind.
        Assert.Null(problem);
        Assert.Equal(smaller, loaded);
        Assert.Equal(HeaderLength + smaller.CalculateSize(), new FileInfo(file.Path).Length);
    }

    [Fact]
    public async Task LoadAsync_LeftoverTemporaryFileFromACrash_LoadsTheCompleteFile()
    {
        // Arrange: a crash mid-save leaves a torn replica.bin.tmp beside the last good file.
        var cancellationToken = TestContext.Current.CancellationToken;
        var file = new ReplicaFile(_directory.Path);
        var replica = Persisted(EdgeId, 7, CatalogOf("a", 7, "p1"));
        await file.SaveAsync(replica, cancellationToken);
        await File.WriteAllBytesAsync(file.Path + ".tmp", (await File.ReadAllBytesAsync(file.Path, cancellationToken))[..20], cancellationToken);

        // Act
        var (loaded, problem) = await file.LoadAsync(EdgeId, cancellationToken);
        await file.SaveAsync(Persisted(EdgeId, 8, CatalogOf("a", 8, "p2")), cancellationToken);
        var (afterSave, _) = await file.LoadAsync(EdgeId, cancellationToken);

        // Assert: the leftover neither breaks loading nor the next save.
        Assert.Null(problem);
        Assert.Equal(replica, loaded);
        Assert.Equal(8, afterSave?.Snapshot.Revision);
        Assert.False(File.Exists(file.Path + ".tmp"));
    }

    [Fact]
    public async Task LoadAsync_NoFile_ReportsNoPersistedReplica()
    {
        // Arrange
        var file = new ReplicaFile(_directory.Combine("never-written"));

        // Act
        var (loaded, problem) = await file.LoadAsync(EdgeId, TestContext.Current.CancellationToken);

        // Assert
        Assert.Null(loaded);
        Assert.Equal("no persisted replica", problem);
    }

    [Fact]
    public async Task LoadAsync_KeySetPlantedByAnotherLocalUser_IsNotTrusted()
    {
        // Arrange: someone who can write replica.bin but not read replica.key swaps in a key of their own,
        // with a MAC under a key they chose.
        var cancellationToken = TestContext.Current.CancellationToken;
        var file = new ReplicaFile(_directory.Path);
        await file.SaveAsync(Persisted(EdgeId, 12, CatalogOf("a", 3, "p1")), cancellationToken);
        var planted = Persisted(EdgeId, 12, CatalogOf("a", 3, "p1"));
        planted.Snapshot.Keys = new KeySet { Issuer = "https://origin.test", Keys = { new PublicKey { Kid = "attacker", X = ByteString.CopyFrom(new byte[32]), Y = ByteString.CopyFrom(new byte[32]) } } };
        var payload = planted.ToByteArray();
        var bytes = new byte[HeaderLength + payload.Length];
        "ECREPL02"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), payload.Length);
        HMACSHA256.HashData(RandomNumberGenerator.GetBytes(32), payload, bytes.AsSpan(16, 32));
        payload.CopyTo(bytes, HeaderLength);
        await File.WriteAllBytesAsync(file.Path, bytes, cancellationToken);

        // Act: a fresh instance, as after a restart.
        var (loaded, problem) = await new ReplicaFile(_directory.Path).LoadAsync(EdgeId, cancellationToken);

        // Assert
        Assert.Null(loaded);
        Assert.Contains("MAC mismatch", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_MacKeyGone_IsNotTrusted()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var file = new ReplicaFile(_directory.Path);
        await file.SaveAsync(Persisted(EdgeId, 12, CatalogOf("a", 3, "p1")), cancellationToken);
        File.Delete(file.KeyPath);

        // Act
        var (loaded, problem) = await new ReplicaFile(_directory.Path).LoadAsync(EdgeId, cancellationToken);

        // Assert
        Assert.Null(loaded);
        Assert.Contains(ReplicaFile.KeyFileName, problem, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task SaveAsync_ReplicaAndMacKey_AreOwnerOnly()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "POSIX modes.");

        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var directory = _directory.Combine("edges", "edge-eu-1");
        var file = new ReplicaFile(directory);

        // Act
        await file.SaveAsync(Persisted(EdgeId, 12, CatalogOf("a", 3, "p1")), cancellationToken);

        // Assert
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.KeyPath));
    }

    public static TheoryData<string, string> Corruptions => new()
    {
        { "flipped payload byte", "MAC mismatch" },
        { "flipped checksum byte", "MAC mismatch" },
        { "payload rewritten with a plain SHA-256", "MAC mismatch" },
        { "unauthenticated format of an older version", "without a MAC" },
        { "truncated payload", "length" },
        { "truncated header", "magic" },
        { "extra bytes", "length" },
        { "bad magic", "magic" },
        { "negative length", "length" },
        { "empty file", "magic" },
        { "garbage", "magic" },
        { "unparsable payload", "unparsable" },
        { "no snapshot", "no snapshot" },
        { "another edge", "foreign" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public async Task LoadAsync_DamagedOrForeignFile_ReportsWhyWithoutThrowing(string corruption, string expectedReason)
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var file = new ReplicaFile(_directory.Path);
        await file.SaveAsync(Persisted(EdgeId, 12, CatalogOf("a", 3, "p1"), CatalogOf("b", 12, "p2")), cancellationToken);
        var bytes = await File.ReadAllBytesAsync(file.Path, cancellationToken);
        await File.WriteAllBytesAsync(file.Path, Corrupt(bytes, corruption), cancellationToken);

        // Act
        var (loaded, problem) = await file.LoadAsync(EdgeId, cancellationToken);

        // Assert
        Assert.Null(loaded);
        Assert.NotNull(problem);
        Assert.Contains(expectedReason, problem, StringComparison.Ordinal);
    }

    private byte[] Corrupt(byte[] bytes, string corruption)
    {
        switch (corruption)
        {
            case "flipped payload byte":
                bytes[HeaderLength + ((bytes.Length - HeaderLength) / 2)] ^= 0x01;
                return bytes;
            case "flipped checksum byte":
                bytes[20] ^= 0x80;
                return bytes;
            case "truncated payload":
                return bytes[..^5];
            case "truncated header":
                return bytes[..(HeaderLength - 1)];
            case "extra bytes":
                return [.. bytes, 0, 0, 0];
            case "payload rewritten with a plain SHA-256":
                // What was enough before the MAC: a changed payload (another key set) with its checksum recomputed.
                var planted = Persisted(EdgeId, 12, CatalogOf("a", 3, "p1")).ToByteArray();
                var forged = Wrap(bytes, planted);
                SHA256.HashData(planted, forged.AsSpan(16, 32));
                return forged;
            case "unauthenticated format of an older version":
                var old = Wrap(bytes, bytes[HeaderLength..]);
                "ECREPL01"u8.CopyTo(old);
                SHA256.HashData(bytes.AsSpan(HeaderLength), old.AsSpan(16, 32));
                return old;
            case "bad magic":
                bytes[0] = (byte)'X';
                return bytes;
            case "negative length":
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), -1);
                return bytes;
            case "empty file":
                return [];
            case "garbage":
                var garbage = new byte[4096];
                new Random(42).NextBytes(garbage);
                return garbage;
            case "unparsable payload":
                // A well-formed wrapper (magic, length, checksum) around bytes that are not a PersistedReplica.
                return Wrap(bytes, [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
            case "no snapshot":
                return Wrap(bytes, new PersistedReplica { EdgeId = EdgeId, ClusterId = "cluster-1" }.ToByteArray());
            case "another edge":
                return Wrap(bytes, Persisted("edge-us-1", 12, CatalogOf("a", 3, "p1")).ToByteArray());
            default:
                throw new ArgumentOutOfRangeException(nameof(corruption), corruption, null);
        }
    }

    /// <summary>The saved file's magic with a correct length and MAC (under the edge's own <c>replica.key</c>) for <paramref name="payload"/>.</summary>
    private byte[] Wrap(byte[] saved, byte[] payload)
    {
        var bytes = new byte[HeaderLength + payload.Length];
        saved.AsSpan(0, 8).CopyTo(bytes);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), payload.Length);
        HMACSHA256.HashData(Convert.FromBase64String(File.ReadAllText(_directory.Combine(ReplicaFile.KeyFileName))), payload, bytes.AsSpan(16, 32));
        payload.CopyTo(bytes, HeaderLength);
        return bytes;
    }

    private static PersistedReplica Persisted(string edgeId, long revision, params CreatorCatalog[] catalogs)
        => new() { EdgeId = edgeId, ClusterId = "cluster-1", Snapshot = Snapshot(revision, catalogs) };
}
