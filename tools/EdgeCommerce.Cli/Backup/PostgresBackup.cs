using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using EdgeCommerce.Cli.Common;
using Npgsql;

namespace EdgeCommerce.Cli.Backup;

/// <summary>
/// Backs up a PostgreSQL origin store with <c>pg_dump -Fc</c> (one consistent snapshot, safe while
/// origins write) and restores one with <c>pg_restore --clean --if-exists --single-transaction</c>.
/// The connection string is the origins' own (<c>Storage:ConnectionString</c>, Npgsql syntax); it
/// reaches the tools as libpq's <c>PG*</c> environment variables, so the password never shows on
/// a command line.
/// </summary>
internal static class PostgresBackup
{
    public static async Task BackupAsync(string connectionString, string outputFile, CancellationToken cancellationToken)
    {
        var settings = Parse(connectionString);
        Directory.CreateDirectory(Path.GetDirectoryName(outputFile)!);
        var partial = outputFile + ".partial";
        try
        {
            await RunAsync("pg_dump", ["--format=custom", "--no-owner", "--file", partial], settings, cancellationToken);
            File.Move(partial, outputFile, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>
    /// Replaces the database's contents with the dump, as one transaction, then gives the store a
    /// new cluster id (see <see cref="OriginDatabaseFile.RestoreAsync"/>). Refuses while anyone
    /// else is connected to the database: every origin replica must be stopped first.
    /// </summary>
    public static async Task<BackupSummary> RestoreAsync(string connectionString, string dumpFile, CancellationToken cancellationToken)
    {
        if (!File.Exists(dumpFile))
        {
            throw new CliException($"No backup file at {dumpFile}.");
        }

        var settings = Parse(connectionString);
        settings.Pooling = false;
        await using (var connection = await OpenAsync(settings, cancellationToken))
        {
            var others = (long)(await ScalarAsync(connection,
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid();", cancellationToken))!;
            if (others > 0)
            {
                throw new CliException(string.Create(CultureInfo.InvariantCulture,
                    $"{others} other session(s) are connected to database {connection.Database}: stop every origin replica using it first."));
            }
        }

        await RunAsync("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", "--dbname", settings.Database ?? "", dumpFile], settings, cancellationToken);

        await using (var connection = await OpenAsync(settings, cancellationToken))
        {
            await using (var update = new NpgsqlCommand("UPDATE identity SET cluster_id = @id;", connection))
            {
                update.Parameters.AddWithValue("id", Guid.NewGuid().ToString("N"));
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            var head = (long)(await ScalarAsync(connection, "SELECT value FROM meta WHERE key = 'head_revision';", cancellationToken))!;
            var creators = (long)(await ScalarAsync(connection, "SELECT COUNT(*) FROM catalogs;", cancellationToken))!;
            return new BackupSummary(head, checked((int)creators));
        }
    }

    /// <summary>libpq's environment variables for what the Npgsql connection string says.</summary>
    internal static IEnumerable<(string Name, string Value)> Environment(NpgsqlConnectionStringBuilder settings)
    {
        if (settings.Host is { Length: > 0 } host)
        {
            yield return ("PGHOST", host);
        }

        yield return ("PGPORT", settings.Port.ToString(CultureInfo.InvariantCulture));
        if (settings.Database is { Length: > 0 } database)
        {
            yield return ("PGDATABASE", database);
        }

        if (settings.Username is { Length: > 0 } user)
        {
            yield return ("PGUSER", user);
        }

        if (settings.Password is { Length: > 0 } password)
        {
            yield return ("PGPASSWORD", password);
        }

        yield return ("PGSSLMODE", settings.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Allow => "allow",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => "prefer",
        });
    }

    private static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            throw new CliException($"--postgres is not a valid connection string: {ex.Message}", ex);
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(NpgsqlConnectionStringBuilder settings, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(settings.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (NpgsqlException ex)
        {
            await connection.DisposeAsync();
            throw new CliException($"Unable to connect to the PostgreSQL origin store: {ex.Message}", ex);
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task RunAsync(string tool, IReadOnlyList<string> arguments, NpgsqlConnectionStringBuilder settings, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(FindTool(tool))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Environment(settings))
        {
            info.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new CliException($"Unable to start {tool}.");
        }
        catch (Win32Exception ex)
        {
            throw new CliException($"Unable to run {info.FileName}: install PostgreSQL's client tools (Debian: postgresql-client).", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitOrKillAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new CliException($"{tool} failed (exit {process.ExitCode}): {(await error).Trim()} {(await output).Trim()}".TrimEnd());
            }
        }
    }

    /// <summary>The newest Debian-packaged tool (the dump format follows the tool's version), else the one on the PATH.</summary>
    private static string FindTool(string tool)
        => (Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Where(version => File.Exists(Path.Combine(version, "bin", tool)))
                .OrderByDescending(static version => int.TryParse(Path.GetFileName(version), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0)
                .Select(version => Path.Combine(version, "bin", tool))
                .FirstOrDefault()
            : null) ?? tool;
}
