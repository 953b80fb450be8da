using System.Globalization;
using EdgeCommerce.Cli.Common;
using Microsoft.Data.Sqlite;

namespace EdgeCommerce.Cli.Backup;

/// <summary>
/// The SQLite origin store of a stack: <c>&lt;data&gt;/origin/origin.db</c>, with its WAL files
/// beside it. Backs it up online (SQLite's backup API, safe while the origin writes) and restores a
/// backup in its place (only while no origin holds the data directory).
/// </summary>
internal static class OriginDatabaseFile
{
    /// <summary>Where a stack whose data directory is <paramref name="dataDirectory"/> keeps its origin store.</summary>
    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, "origin", "origin.db");

    /// <summary>
    /// Copies the live database into <paramref name="outputFile"/> as one consistent, self-contained
    /// file (rollback journal, no WAL), written beside it first and moved into place only when complete.
    /// </summary>
    public static async Task<BackupSummary> BackupAsync(string databasePath, string outputFile, CancellationToken cancellationToken)
    {
        if (!File.Exists(databasePath))
        {
            throw new CliException($"No origin database at {databasePath}. Is --data the stack's data directory?");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(outputFile)!);
        var partial = outputFile + ".partial";
        DeleteWithSidecars(partial);
        try
        {
            await using (var source = new SqliteConnection(ConnectionString(databasePath, SqliteOpenMode.ReadWrite)))
            await using (var destination = new SqliteConnection(ConnectionString(partial, SqliteOpenMode.ReadWriteCreate)))
            {
                await source.OpenAsync(cancellationToken);
                await destination.OpenAsync(cancellationToken);
                // One step: every page is copied under one read transaction, so the copy is the
                // state at one commit however much the origin writes meanwhile (WAL readers never block writers).
                source.BackupDatabase(destination);
                await ExecuteAsync(destination, "PRAGMA journal_mode=DELETE;", cancellationToken);
            }

            var summary = await SummarizeAsync(partial, cancellationToken);
            File.Move(partial, outputFile, overwrite: true);
            return summary;
        }
        finally
        {
            DeleteWithSidecars(partial);
        }
    }

    /// <summary>
    /// Replaces the database at <paramref name="databasePath"/> with the backup <paramref name="backupFile"/>.
    /// The caller must hold the data directory's lock: no origin may have the database open.
    /// <para>
    /// The restored store gets a new cluster id: its history forks at the backup's revision, and
    /// revisions written after the restore reuse numbers the lost writes had. An edge that applied
    /// those lost writes would otherwise resume from its revision and never see the new ones under
    /// the same numbers; with another cluster id every edge takes a snapshot when it reconnects.
    /// </para>
    /// </summary>
    public static async Task<BackupSummary> RestoreAsync(string backupFile, string databasePath, CancellationToken cancellationToken)
    {
        if (!File.Exists(backupFile))
        {
            throw new CliException($"No backup file at {backupFile}.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        var incoming = databasePath + ".restoring";
        DeleteWithSidecars(incoming);
        try
        {
            File.Copy(backupFile, incoming, overwrite: true);
            var summary = await SummarizeAsync(incoming, cancellationToken);
            await using (var connection = new SqliteConnection(ConnectionString(incoming, SqliteOpenMode.ReadWrite)))
            {
                await connection.OpenAsync(cancellationToken);
                await using var update = connection.CreateCommand();
                update.CommandText = "UPDATE identity SET cluster_id = $id;";
                update.Parameters.AddWithValue("$id", Guid.NewGuid().ToString("N"));
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            // The old WAL must go before the new file takes its name: SQLite would replay its frames
            // onto the restored pages. The rename then replaces the old file in one step.
            DeleteSidecars(databasePath);
            File.Move(incoming, databasePath, overwrite: true);
            return summary;
        }
        finally
        {
            DeleteWithSidecars(incoming);
        }
    }

    /// <summary>Checks a copied file is a sound origin store and says what it holds.</summary>
    private static async Task<BackupSummary> SummarizeAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new SqliteConnection(ConnectionString(path, SqliteOpenMode.ReadWrite));
            await connection.OpenAsync(cancellationToken);
            var check = (string?)await ScalarAsync(connection, "PRAGMA quick_check;", cancellationToken);
            if (!string.Equals(check, "ok", StringComparison.Ordinal))
            {
                throw new CliException($"{path} is damaged: {check}");
            }

            var head = Convert.ToInt64(await ScalarAsync(connection, "SELECT value FROM meta WHERE key = 'head_revision';", cancellationToken), CultureInfo.InvariantCulture);
            var creators = Convert.ToInt32(await ScalarAsync(connection, "SELECT COUNT(*) FROM catalogs;", cancellationToken), CultureInfo.InvariantCulture);
            return new BackupSummary(head, creators);
        }
        catch (SqliteException ex)
        {
            throw new CliException($"The backup is not an origin database ({ex.Message}).", ex);
        }
    }

    private static string ConnectionString(string path, SqliteOpenMode mode)
        => new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString();

    private static void DeleteWithSidecars(string path)
    {
        File.Delete(path);
        DeleteSidecars(path);
    }

    private static void DeleteSidecars(string path)
    {
        foreach (var suffix in new[] { "-wal", "-shm", "-journal" })
        {
            File.Delete(path + suffix);
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
