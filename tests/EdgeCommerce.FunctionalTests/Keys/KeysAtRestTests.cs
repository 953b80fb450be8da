using System.Runtime.Versioning;
using System.Security.Cryptography;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Keys;

/// <summary>Keys sealed at rest, over a real origin process: what another local user or a stolen backup finds on disk.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class KeysAtRestTests
{
    // Every PKCS#8 encoding of a P-256 private key starts with these bytes (SEQUENCE, version 0,
    // AlgorithmIdentifier id-ecPublicKey with prime256v1): a plaintext key anywhere in the files would show them.
    private static readonly byte[] s_p256Pkcs8Prefix = Convert.FromHexString("020100301306072A8648CE3D020106082A8648CE3D030107");

    /// <summary>
    /// Catches: a database, journal, token or key-encryption key created readable by others; a
    /// signing key written in plaintext into origin.db or its WAL; an origin that starts on a store
    /// sealed under another KEK (by creating keys of its own or failing with a stack trace only).
    /// </summary>
    [Fact]
    public async Task Origin_FilesOwnerOnly_KeysSealed_AndAnotherKekRefusedClearly()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        var directory = data.Combine("origin");
        await using var origin = await OriginNode.StartAsync(directory, cancellationToken);
        await origin.PushCatalogAsync("creator-a", OriginNode.SimpleCatalog("A"), cancellationToken);
        using (var rotated = await origin.Http.PostAsync("/admin/v1/keys/rotate", null, cancellationToken))
        {
            rotated.EnsureSuccessStatusCode();
        }

        // Act
        const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var modes = Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories).Append(directory)
            .ToDictionary(static path => path, static path => File.GetUnixFileMode(path));
        var databaseFiles = Directory.EnumerateFiles(directory, "origin.db*").ToList();
        var plaintextKeys = databaseFiles.Where(file => File.ReadAllBytes(file).AsSpan().IndexOf(s_p256Pkcs8Prefix) >= 0).ToList();
        await origin.StopAsync();
        var anotherKek = data.Combine("another.kek");
        await File.WriteAllTextAsync(anotherKek, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => origin.RestartAsync(cancellationToken, $"--Keys:EncryptionKeyPath={anotherKek}"));

        // Assert
        Assert.Contains(Path.Combine(directory, "origin.db-wal"), databaseFiles);
        Assert.All(modes, entry => Assert.Equal(
            (entry.Key, Directory.Exists(entry.Key) ? OwnerFile | UnixFileMode.UserExecute : OwnerFile),
            (entry.Key, entry.Value)));
        Assert.Contains(Path.Combine(directory, "keys", "kek"), modes.Keys);
        Assert.Empty(plaintextKeys);
        Assert.Contains("exited with code 1", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"origin: The signing keys in the store are sealed with key-encryption key", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"Keys:EncryptionKeyPath ({anotherKek})", refused.Message, StringComparison.Ordinal);
    }
}
