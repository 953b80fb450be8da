using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using Xunit;

namespace EdgeCommerce.Tests.Common;

/// <summary>
/// A real PostgreSQL server for one test assembly (<c>[assembly: AssemblyFixture(typeof(PostgresServer))]</c>):
/// Debian's binaries (<c>/usr/lib/postgresql/*/bin</c>) run <c>initdb</c> into a fresh temp
/// directory and <c>pg_ctl start</c> on a free loopback port, with the unix socket inside that
/// directory too, so nothing of the machine's own cluster is touched. PostgreSQL refuses to run as
/// root: as root the binaries run as the <c>postgres</c> user (<c>runuser</c>) in a directory it owns.
/// Each test gets its own database from <see cref="CreateDatabaseAsync"/>. Disposing stops the
/// server and deletes the directory.
/// <para>
/// With <see cref="ExternalServerVariable"/> set to a connection string (of a role that may
/// create databases), that server is used instead and only the databases created here are dropped.
/// Missing binaries fail the tests with a message saying what to install: never skipped.
/// </para>
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>Environment variable naming an existing server to use instead of starting one.</summary>
    public const string ExternalServerVariable = "EDGECOMMERCE_TEST_POSTGRES";

    private const string SuperUser = "postgres";

    private readonly ConcurrentBag<string> _databases = [];
    private string? _directory;
    private string? _binDirectory;
    private bool _runAsPostgresUser;
    private NpgsqlDataSource? _admin;

    /// <summary>Whether this is a server from <see cref="ExternalServerVariable"/> rather than one started here.</summary>
    public bool IsExternal { get; private set; }

    /// <summary>The superuser connection string (to the <c>postgres</c> database of a server started here).</summary>
    public string AdminConnectionString { get; private set; } = "";

    /// <summary>The server's port.</summary>
    public int Port { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(ExternalServerVariable) is { Length: > 0 } external)
        {
            IsExternal = true;
            AdminConnectionString = external;
            Port = new NpgsqlConnectionStringBuilder(external).Port;
        }
        else
        {
            await StartLocalServerAsync();
        }

        _admin = NpgsqlDataSource.Create(AdminConnectionString);
    }

    /// <summary>Creates an empty database (name: <paramref name="prefix"/> plus a unique suffix) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken)
    {
        var admin = _admin ?? throw new InvalidOperationException("The PostgreSQL server is not started.");
        var safe = new string(prefix.ToLowerInvariant().Select(static c => char.IsAsciiLetterOrDigit(c) ? c : '_').Take(24).ToArray());
        var name = $"ec_{safe}_{Guid.NewGuid():N}"[..Math.Min(63, safe.Length + 36)];
        await using (var create = admin.CreateCommand($"CREATE DATABASE \"{name}\";"))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        _databases.Add(name);
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing its connections first.</summary>
    public async Task DropDatabaseAsync(string connectionString, CancellationToken cancellationToken)
    {
        var admin = _admin ?? throw new InvalidOperationException("The PostgreSQL server is not started.");
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE);");
        await drop.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null)
        {
            if (IsExternal)
            {
                foreach (var name in _databases)
                {
                    try
                    {
                        await using var drop = _admin.CreateCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE);");
                        await drop.ExecuteNonQueryAsync();
                    }
                    catch (NpgsqlException)
                    {
                        // Best effort: a leftover test database on a shared server is harmless.
                    }
                }
            }

            await _admin.DisposeAsync();
        }

        if (_directory is not null)
        {
            try
            {
                await RunAsync(Tool("pg_ctl"), ["stop", "-D", DataDirectory, "-m", "immediate", "-w"]);
            }
            finally
            {
                try
                {
                    Directory.Delete(_directory, recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    private string DataDirectory => Path.Combine(_directory!, "data");

    private async Task StartLocalServerAsync()
    {
        _binDirectory = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin. The PostgreSQL tests need a real server: " +
            "install Debian's 'postgresql' package (eng/run-tests.sh, i.e. './edgecommerce test', installs it), or set " +
            $"{ExternalServerVariable} to the connection string of a server where the tests may create databases.");
        _runAsPostgresUser = Environment.UserName == "root";
        _directory = Path.Combine(Path.GetTempPath(), $"edgecommerce-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        if (_runAsPostgresUser)
        {
            // The server refuses to run as root; its data and socket directory must belong to the user it runs as.
            await RunAsync("chown", [SuperUser + ":", _directory], asPostgresUser: false);
        }

        await RunAsync(Tool("initdb"), ["-D", DataDirectory, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"]);

        // A free port can be taken between the probe and the bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            try
            {
                await RunAsync(Tool("pg_ctl"),
                [
                    "start", "-w", "-t", "60", "-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"),
                    // Throwaway data: durability settings off make test databases fast to create and write.
                    "-o", $"-h 127.0.0.1 -p {Port} -k {_directory} -c fsync=off -c full_page_writes=off -c max_connections=300",
                ]);
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
            catch (InvalidOperationException ex)
            {
                var log = Path.Combine(_directory, "server.log");
                throw new InvalidOperationException($"Unable to start the test PostgreSQL server.\n{(File.Exists(log) ? await File.ReadAllTextAsync(log) : "")}", ex);
            }
        }

        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = SuperUser,
            Database = "postgres",
            IncludeErrorDetail = true,
        }.ConnectionString;
    }

    private static string? FindBinaries()
        => Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(static version => Path.Combine(version, "bin"))
                .Where(static bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
                .OrderByDescending(static bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0)
                .FirstOrDefault()
            : null;

    private string Tool(string name) => Path.Combine(_binDirectory!, name);

    private Task RunAsync(string file, IReadOnlyList<string> arguments) => RunAsync(file, arguments, _runAsPostgresUser);

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgresUser)
    {
        var info = new ProcessStartInfo(asPostgresUser ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // initdb and pg_ctl must be able to stat their working directory as the postgres user.
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgresUser)
        {
            foreach (var argument in new[] { "-u", SuperUser, "--", file })
            {
                info.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Unable to start {file}.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        output.Append(await stdout).Append(await stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}");
        }
    }
}
