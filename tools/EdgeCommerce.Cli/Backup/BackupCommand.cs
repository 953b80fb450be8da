using System.CommandLine;
using System.Globalization;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Backup;

/// <summary>
/// <c>backup --data DIR --out FILE</c>: an online copy of the stack's SQLite origin store, safe
/// while the origin runs; <c>backup --postgres CONNSTRING --out FILE</c>: <c>pg_dump -Fc</c> of a
/// PostgreSQL origin store.
/// </summary>
internal sealed class BackupCommand : Command
{
    private readonly Option<string> _data = CommonOptions.Data();
    private readonly Option<string?> _postgres = new("--postgres")
    {
        Description = "Back up this PostgreSQL origin store (an Npgsql connection string, as Storage:ConnectionString) with pg_dump instead",
        HelpName = "CONNSTRING",
    };

    private readonly Option<string> _out = new("--out")
    {
        Description = "The backup file to write (replaced if it exists)",
        HelpName = "FILE",
        Required = true,
    };

    public BackupCommand(CliContext context)
        : base("backup", "Back up the origin's store while it runs: SQLite <data>/origin/origin.db, or PostgreSQL with --postgres.")
    {
        Options.Add(_data);
        Options.Add(_postgres);
        Options.Add(_out);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        var output = context.ResolvePath(parseResult.GetRequiredValue(_out));
        if (Directory.Exists(output))
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture,
                $"--out {output} is a directory; name the backup file, e.g. --out {Path.Combine(output, $"origin-{context.TimeProvider.GetUtcNow():yyyy-MM-dd}.db")}"));
        }

        if (parseResult.GetValue(_postgres) is { } connectionString)
        {
            await PostgresBackup.BackupAsync(connectionString, output, cancellationToken);
            await context.Out.WriteLineAsync($"Backed up the PostgreSQL origin store to {output} (pg_dump custom format; restore it with: restore --postgres CONNSTRING --from FILE).");
            return ExitCodes.Success;
        }

        var database = OriginDatabaseFile.PathIn(context.ResolvePath(parseResult.GetRequiredValue(_data)));
        var summary = await OriginDatabaseFile.BackupAsync(database, output, cancellationToken);
        await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Backed up {database} at revision {summary.HeadRevision} ({summary.Creators} creators) to {output}."));
        return ExitCodes.Success;
    }
}
