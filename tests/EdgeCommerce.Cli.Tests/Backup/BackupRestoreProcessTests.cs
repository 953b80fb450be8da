using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Cli.Services;
using EdgeCommerce.Cli.Tests.Infrastructure;
using EdgeCommerce.Tests.Common;
using Microsoft.Data.Sqlite;

namespace EdgeCommerce.Cli.Tests.Backup;

/// <summary>
/// <c>backup</c> and <c>restore</c> over real processes: a running origin with data is backed up,
/// the backup restored into a fresh store, and an origin started on it serves the same state.
/// </summary>
public sealed class BackupRestoreProcessTests(PostgresServer postgres) : IDisposable
{
    private readonly TempDirectory _work = new("edgecommerce-cli-backup");

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task BackupAndRestore_RunningSqliteOrigin_RestoredOriginServesTheSameCatalogsAndHead()
    {
        // Arrange: a stack's origin (data in <stack>/origin) with a few revisions, still running.
        var cancellationToken = TestContext.Current.CancellationToken;
        var stack = _work.Combine("stack");
        var fresh = _work.Combine("fresh");
        var backupFile = _work.Combine("backups", "origin.db");
        await using var origin = await OriginNode.StartAsync(Path.Combine(stack, "origin"), cancellationToken);
        await WriteSampleAsync(origin, cancellationToken);
        var expected = await ReadStateAsync(origin, cancellationToken);

        // Act
        var backup = await CliRun.RunAsync(["backup", "--data", stack, "--out", backupFile], _work.Path, cancellationToken);
        await PushAsync(origin, "after-backup", "Written after the backup", cancellationToken);
        var restore = await CliRun.RunAsync(["restore", "--data", fresh, "--from", backupFile], _work.Path, cancellationToken);
        // The backup holds the signing keys sealed: without the key-encryption key it does not start ...
        var withoutKek = await Assert.ThrowsAsync<InvalidOperationException>(() => OriginNode.StartAsync(Path.Combine(fresh, "origin"), cancellationToken));
        // ... and beside it, as the runbook says, it does.
        Directory.CreateDirectory(Path.Combine(fresh, "origin", "keys"));
        File.Copy(Path.Combine(stack, "origin", "keys", "kek"), Path.Combine(fresh, "origin", "keys", "kek"));
        await using var restored = await OriginNode.StartAsync(Path.Combine(fresh, "origin"), cancellationToken);

        // Assert
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Contains($"at revision {expected.Head} (3 creators)", backup.Out, StringComparison.Ordinal);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Contains("there is no key-encryption key at Keys:EncryptionKeyPath", withoutKek.Message, StringComparison.Ordinal);
        Assert.Equal(expected, await ReadStateAsync(restored, cancellationToken));
        Assert.False(File.Exists(Path.Combine(fresh, "origin", "origin.db.restoring")));
        await restored.StopAsync();
        await origin.StopAsync();
        Assert.NotEqual(await ClusterIdAsync(Path.Combine(stack, "origin", "origin.db")), await ClusterIdAsync(Path.Combine(fresh, "origin", "origin.db")));
    }

    [Fact]
    public async Task Restore_OriginHoldsTheDataDirectory_ExitsOneAndLeavesTheDatabase()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var stack = _work.Combine("stack");
        var database = Path.Combine(stack, "origin", "origin.db");
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        await File.WriteAllTextAsync(database, "the live store", cancellationToken);
        var backupFile = _work.Combine("backup.db");
        await File.WriteAllTextAsync(backupFile, "a backup", cancellationToken);
        using var running = DataDirectoryLock.Acquire(stack);

        // Act
        var restore = await CliRun.RunAsync(["restore", "--data", stack, "--from", backupFile], _work.Path, cancellationToken);

        // Assert
        Assert.True(restore.ExitCode == 1, restore.ToString());
        Assert.Contains("already runs the origin", restore.Error, StringComparison.Ordinal);
        Assert.Equal("the live store", await File.ReadAllTextAsync(database, cancellationToken));
    }

    [Fact]
    public async Task Restore_FileIsNotAnOriginDatabase_ExitsOneAndLeavesTheDatabase()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var stack = _work.Combine("stack");
        var database = Path.Combine(stack, "origin", "origin.db");
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        await File.WriteAllTextAsync(database, "the live store", cancellationToken);
        var notABackup = _work.Combine("notes.txt");
        await File.WriteAllTextAsync(notABackup, new string('x', 8192), cancellationToken);

        // Act
        var restore = await CliRun.RunAsync(["restore", "--data", stack, "--from", notABackup], _work.Path, cancellationToken);

        // Assert
        Assert.True(restore.ExitCode == 1, restore.ToString());
        Assert.Contains("not an origin database", restore.Error, StringComparison.Ordinal);
        Assert.Equal("the live store", await File.ReadAllTextAsync(database, cancellationToken));
        Assert.False(File.Exists(database + ".restoring"));
    }

    [Fact]
    public async Task BackupAndRestore_PostgresOrigin_OriginOnTheRestoredDatabaseServesTheSameCatalogsAndHead()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var source = await postgres.CreateDatabaseAsync("backup_source", cancellationToken);
        var target = await postgres.CreateDatabaseAsync("backup_target", cancellationToken);
        var backupFile = _work.Combine("origin.dump");
        await using var origin = await OriginNode.StartAsync(_work.Combine("unused-1"), cancellationToken, PostgresSettings(source));
        await WriteSampleAsync(origin, cancellationToken);
        var expected = await ReadStateAsync(origin, cancellationToken);

        // Act
        var backup = await CliRun.RunAsync(["backup", "--postgres", source, "--out", backupFile], _work.Path, cancellationToken);
        var refused = await CliRun.RunAsync(["restore", "--postgres", source, "--from", backupFile], _work.Path, cancellationToken);
        var restore = await CliRun.RunAsync(["restore", "--postgres", target, "--from", backupFile], _work.Path, cancellationToken);
        var withoutKek = await Assert.ThrowsAsync<InvalidOperationException>(() => OriginNode.StartAsync(_work.Combine("unused-2"), cancellationToken, PostgresSettings(target)));
        await using var restored = await OriginNode.StartAsync(_work.Combine("unused-2"), cancellationToken,
            [.. PostgresSettings(target), $"--Keys:EncryptionKeyPath={_work.Combine("unused-1", "keys", "kek")}"]);

        // Assert
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("stop every origin replica", refused.Error, StringComparison.Ordinal);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Contains($"revision {expected.Head}, 3 creators", restore.Out, StringComparison.Ordinal);
        Assert.Contains("there is no key-encryption key at Keys:EncryptionKeyPath", withoutKek.Message, StringComparison.Ordinal);
        Assert.Equal(expected, await ReadStateAsync(restored, cancellationToken));
    }

    private static string[] PostgresSettings(string connectionString) => ["--Storage:Provider=Postgres", $"--Storage:ConnectionString={connectionString}"];

    /// <summary>Five revisions: three creators, an update and a delete.</summary>
    private static async Task WriteSampleAsync(OriginNode origin, CancellationToken cancellationToken)
    {
        await PushAsync(origin, "ada", "Ada's first drop", cancellationToken);
        await PushAsync(origin, "bo", "Bo's hoodie", cancellationToken);
        await PushAsync(origin, "cy", "Cy's cap", cancellationToken);
        await PushAsync(origin, "ada", "Ada's second drop", cancellationToken);
        await PushAsync(origin, "dee", "Dee's poster", cancellationToken);
        using var delete = await origin.Http.DeleteAsync("/admin/v1/creators/bo", cancellationToken);
        delete.EnsureSuccessStatusCode();
    }

    private static async Task PushAsync(OriginNode origin, string creator, string title, CancellationToken cancellationToken)
    {
        var body = $$"""{"products":[{"id":"{{creator}}-01","title":"{{title}}","price":{"amountMinor":1500,"currency":"EUR"},"skus":[{"id":"{{creator}}-01-m","label":"M"}]}]}""";
        using var response = await origin.Http.PutAsync($"/admin/v1/creators/{creator}/catalog", new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>What an origin serves: the head revision, the creator list, and each catalog with its ETag.</summary>
    private static async Task<OriginState> ReadStateAsync(OriginNode origin, CancellationToken cancellationToken)
    {
        var head = (await origin.Http.GetFromJsonAsync<JsonElement>("/admin/v1/edges", cancellationToken)).GetProperty("headRevision").GetInt64();
        var creators = await origin.Http.GetStringAsync("/admin/v1/creators", cancellationToken);
        var catalogs = new List<string>();
        foreach (var creator in JsonDocument.Parse(creators).RootElement.GetProperty("creators").EnumerateArray())
        {
            using var response = await origin.Http.GetAsync($"/admin/v1/creators/{creator.GetProperty("id").GetString()}/catalog", cancellationToken);
            response.EnsureSuccessStatusCode();
            catalogs.Add($"{response.Headers.ETag} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return new OriginState(head, creators, string.Join('\n', catalogs));
    }

    private static async Task<string> ClusterIdAsync(string databasePath)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT cluster_id FROM identity;";
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private sealed record OriginState(long Head, string Creators, string Catalogs);
}
