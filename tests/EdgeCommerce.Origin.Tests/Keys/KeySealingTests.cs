using System.Buffers.Text;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Dialects.Sqlite;
using EdgeCommerce.Origin.Tests.Infrastructure;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.Tests.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Tests.Keys;

/// <summary>
/// Signing keys sealed at rest under the key-encryption key, and the data directory owner-only,
/// over the in-memory origin host started (and restarted) on one data directory.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class KeySealingTests : IDisposable
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerDirectory = OwnerFile | UnixFileMode.UserExecute;

    private readonly TempDirectory _root = new("edgecommerce-keys");

    public void Dispose() => _root.Dispose();

    private string DataDirectory => _root.Combine("origin");

    private string KekPath => Path.Combine(DataDirectory, "keys", "kek");

    private string DatabasePath => Path.Combine(DataDirectory, "origin.db");

    [Fact]
    public async Task Start_FreshDataDirectory_EverythingOwnerOnly()
    {
        // Arrange
        await using var origin = Origin();

        // Act: the first mint creates the first key (a write: the WAL and SHM exist from here on).
        // A connection of the test's own, outside every pool and reading (SQLite opens the file
        // lazily), keeps them: any other test disposing a store in parallel clears the process's
        // pools, and SQLite removes the WAL and SHM when the last connection closes.
        _ = origin.Server;
        await using var holder = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await holder.OpenAsync(TestContext.Current.CancellationToken);
        await using (var read = new SqliteCommand("SELECT count(*) FROM sqlite_master;", holder))
        {
            _ = await read.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }
        await MintAsync(origin);

        // Assert
        Assert.Equal(OwnerDirectory, File.GetUnixFileMode(DataDirectory));
        Assert.Equal(OwnerDirectory, File.GetUnixFileMode(Path.GetDirectoryName(KekPath)!));
        string[] files = [DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm", KekPath, Path.Combine(DataDirectory, "admin.token")];
        Assert.All(files, file => Assert.Equal((file, OwnerFile), (file, File.GetUnixFileMode(file))));
    }

    [Fact]
    public async Task Start_DataDirectoryOpenToOthers_Tightened()
    {
        // Arrange: a data directory from before (0755 with 0644 files).
        await using (var first = Origin())
        {
            _ = first.Server;
            await MintAsync(first);
        }

        const UnixFileMode WorldReadable = OwnerFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(DataDirectory, WorldReadable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(DatabasePath, WorldReadable);
        File.SetUnixFileMode(KekPath, WorldReadable);

        // Act
        await using var second = Origin();
        _ = second.Server;

        // Assert
        Assert.Equal(OwnerDirectory, File.GetUnixFileMode(DataDirectory));
        Assert.Equal(OwnerFile, File.GetUnixFileMode(DatabasePath));
        Assert.Equal(OwnerFile, File.GetUnixFileMode(KekPath));
    }

    [Fact]
    public async Task StoreInitializer_LooseModes_LogsEachPathItTightened()
    {
        // Arrange
        Directory.CreateDirectory(DataDirectory);
        File.SetUnixFileMode(DataDirectory, OwnerDirectory | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        await File.WriteAllTextAsync(DatabasePath, "", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(DatabasePath, OwnerFile | UnixFileMode.GroupRead);
        var logger = new ListLogger<StoreInitializer>();
        var options = Options.Create(new StorageOptions { DataDirectory = DataDirectory });
        using var store = new OriginStore(new SqliteDialect(options), new RevisionSignal(), TimeProvider.System, NullLogger<OriginStore>.Instance);
        var initializer = new StoreInitializer(store, options, logger);

        // Act
        await initializer.StartAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(2, logger.Entries.Count(static e => e.Level == LogLevel.Warning && e.EventId.Id == 1340));
        Assert.Equal(OwnerFile, File.GetUnixFileMode(DatabasePath));
    }

    [Fact]
    public async Task KeyRows_AreSealed_NeitherPkcs8NorThePrivateScalarInTheDatabaseFiles()
    {
        // Arrange
        byte[] scalar;
        await using (var origin = Origin())
        {
            _ = origin.Server;
            await MintAsync(origin);
            var (_, key) = origin.Services.GetRequiredService<SigningKeyManager>().TrySigningKey()!.Value;
            scalar = key.ExportParameters(includePrivateParameters: true).D!;
        }

        // Act
        var rows = await PrivateKeyColumnAsync();

        // Assert
        var row = Assert.Single(rows);
        using var probe = ECDsa.Create();
        Assert.ThrowsAny<CryptographicException>(() => probe.ImportPkcs8PrivateKey(row.PrivateKey, out _));
        Assert.Equal("ECK1"u8.ToArray(), row.PrivateKey[..4]);
        foreach (var file in Directory.EnumerateFiles(DataDirectory, "origin.db*"))
        {
            Assert.Equal(-1, File.ReadAllBytes(file).AsSpan().IndexOf(scalar));
        }
    }

    [Fact]
    public async Task Start_WrongKeyEncryptionKey_FailsNamingTheSetting_AndDoesNotReplaceIt()
    {
        // Arrange: the store was sealed under one KEK; another one is in its place (a backup restored elsewhere).
        await using (var first = Origin())
        {
            _ = first.Server;
            await MintAsync(first);
        }

        var other = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await File.WriteAllTextAsync(KekPath, other, TestContext.Current.CancellationToken);

        // Act
        var failure = await StartFailureAsync();

        // Assert
        Assert.Contains("Keys:EncryptionKeyPath", failure, StringComparison.Ordinal);
        Assert.Contains(KekPath, failure, StringComparison.Ordinal);
        Assert.Equal(other, await File.ReadAllTextAsync(KekPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Start_KeyEncryptionKeyMissing_FailsNamingTheSetting_AndCreatesNoNewOne()
    {
        // Arrange
        await using (var first = Origin())
        {
            _ = first.Server;
            await MintAsync(first);
        }

        File.Delete(KekPath);

        // Act
        var failure = await StartFailureAsync();

        // Assert
        Assert.Contains("Keys:EncryptionKeyPath", failure, StringComparison.Ordinal);
        Assert.False(File.Exists(KekPath));
    }

    [Fact]
    public async Task Start_SealedKeyMovedToAnotherRow_FailsRatherThanSigningWithIt()
    {
        // Arrange: two keys; the first one's sealed bytes copied over the second's (associated data is the kid).
        await using (var first = Origin())
        {
            _ = first.Server;
            await MintAsync(first);
            await first.Services.GetRequiredService<SigningKeyManager>().RotateAsync(TestContext.Current.CancellationToken);
        }

        var rows = await PrivateKeyColumnAsync();
        Assert.Equal(2, rows.Count);
        await ExecuteAsync("UPDATE signing_keys SET private_key = $key WHERE kid = $kid;", ("$key", rows[0].PrivateKey), ("$kid", rows[1].KeyId));

        // Act
        var failure = await StartFailureAsync();

        // Assert
        Assert.Contains(rows[1].KeyId, failure, StringComparison.Ordinal);
        Assert.Contains("Keys:EncryptionKeyPath", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_StoreWithPlaintextKeys_SealsThemAndKeepsSigningWithTheSameKey()
    {
        // Arrange: a store from before sealing: the key row holds plain PKCS#8, and there is no KEK yet.
        await using (var first = Origin())
        {
            _ = first.Server;
            await MintAsync(first);
        }

        var kid = Assert.Single(await PrivateKeyColumnAsync()).KeyId;
        using var legacy = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await ExecuteAsync("UPDATE signing_keys SET private_key = $key WHERE kid = $kid;", ("$key", legacy.ExportPkcs8PrivateKey()), ("$kid", kid));
        File.Delete(KekPath);

        // Act
        await using var second = Origin();
        _ = second.Server;
        var token = await MintAsync(second);

        // Assert: sealed now, under a new KEK, and the origin still signs with the very same key.
        var row = Assert.Single(await PrivateKeyColumnAsync());
        Assert.Equal(kid, row.KeyId);
        Assert.Equal("ECK1"u8.ToArray(), row.PrivateKey[..4]);
        Assert.True(File.Exists(KekPath));
        var parts = token.Split('.');
        Assert.True(legacy.VerifyData(System.Text.Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public async Task Start_WithThePreviousKeyEncryptionKey_SealsEveryKeyUnderANewOne()
    {
        // Arrange: the runbook's rotation: the KEK moved aside, the origin started with it as the previous one.
        string kid;
        byte[] publicKey;
        await using (var first = Origin())
        {
            _ = first.Server;
            await MintAsync(first);
            var (keyId, key) = first.Services.GetRequiredService<SigningKeyManager>().TrySigningKey()!.Value;
            (kid, publicKey) = (keyId, key.ExportSubjectPublicKeyInfo());
        }

        var previousPath = KekPath + ".previous";
        File.Move(KekPath, previousPath);
        var sealedBefore = Assert.Single(await PrivateKeyColumnAsync()).PrivateKey;

        // Act
        await using (var rotating = Origin(("Keys:PreviousEncryptionKeyPath", previousPath)))
        {
            _ = rotating.Server;
        }

        var sealedAfter = Assert.Single(await PrivateKeyColumnAsync()).PrivateKey;
        await using var after = Origin();
        _ = after.Server;
        var (keyIdAfter, keyAfter) = after.Services.GetRequiredService<SigningKeyManager>().TrySigningKey()!.Value;
        var publicKeyAfter = keyAfter.ExportSubjectPublicKeyInfo();
        await after.DisposeAsync();
        File.Copy(previousPath, KekPath, overwrite: true);
        var withTheOldKek = await StartFailureAsync();

        // Assert: the same signing key, now under the new KEK only.
        Assert.NotEqual(sealedBefore.AsSpan(4, 8).ToArray(), sealedAfter.AsSpan(4, 8).ToArray());
        Assert.Equal(kid, keyIdAfter);
        Assert.Equal(publicKey, publicKeyAfter);
        Assert.Contains("Keys:EncryptionKeyPath", withTheOldKek, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MintAsync_SignsLowSOnly()
    {
        // Arrange
        await using var origin = Origin();
        _ = origin.Server;

        // Act: half of raw ECDSA signatures are high-S; 32 tokens all low-S but for a chance of 2^-32.
        var tokens = new List<string>();
        for (var i = 0; i < 32; i++)
        {
            tokens.Add(await MintAsync(origin));
        }

        // Assert
        Assert.All(tokens, token => Assert.True(EcdsaSignature.IsCanonical(token.AsSpan(token.LastIndexOf('.') + 1))));
    }

    private OriginApiFixture Origin(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = DataDirectory,
            ["Keys:BootstrapTokenPath"] = Path.Combine(DataDirectory, "admin.token"),
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return new OriginApiFixture(all);
    }

    private static Task<string> MintAsync(OriginApiFixture origin)
        => origin.MintAsync("viewer-1", "creator-a", [Scopes.RecommendationsRead], Audiences.Edge);

    /// <summary>A start on this data directory must fail; returns what the origin said.</summary>
    private Task<string> StartFailureAsync() => OriginStartFailure.KeyEncryptionFailedAsync(Origin());

    private async Task<List<(string KeyId, byte[] PrivateKey)>> PrivateKeyColumnAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT kid, private_key FROM signing_keys ORDER BY created_at_ms, kid;";
        await using var reader = await select.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<(string, byte[])>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add((reader.GetString(0), (byte[])reader.GetValue(1)));
        }

        return rows;
    }

    private async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
