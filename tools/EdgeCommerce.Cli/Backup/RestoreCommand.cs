using System.CommandLine;
using System.Globalization;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Services;

namespace EdgeCommerce.Cli.Backup;

/// <summary>
/// <c>restore --data DIR --from FILE</c>: puts a <c>backup</c> in place of the stack's SQLite
/// origin store; refuses while an origin runs on that data directory (it holds the directory's
/// lock). <c>restore --postgres CONNSTRING --from FILE</c>: <c>pg_restore</c> of a PostgreSQL
/// backup; refuses while anyone else is connected to the database. Either way the restored store
/// gets a new cluster id, so every edge takes a fresh snapshot.
/// </summary>
internal sealed class RestoreCommand : Command
{
    private readonly Option<string> _data = CommonOptions.Data();
    private readonly Option<string?> _postgres = new("--postgres")
    {
        Description = "Restore into this PostgreSQL database (an Npgsql connection string, as Storage:ConnectionString) with pg_restore instead",
        HelpName = "CONNSTRING",
    };

    private readonly Option<string> _from = new("--from")
    {
        Description = "The backup file written by 'backup'",
        HelpName = "FILE",
        Required = true,
    };

    public RestoreCommand(CliContext context)
        : base("restore", "Replace the origin's store with a backup (SQLite <data>/origin/origin.db, or PostgreSQL with --postgres). Stop the origin first.")
    {
        Options.Add(_data);
        Options.Add(_postgres);
        Options.Add(_from);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        var backup = context.ResolvePath(parseResult.GetRequiredValue(_from));
        string target;
        BackupSummary summary;
        if (parseResult.GetValue(_postgres) is { } connectionString)
        {
            target = "the PostgreSQL origin store";
            summary = await PostgresBackup.RestoreAsync(connectionString, backup, cancellationToken);
        }
        else
        {
            var data = context.ResolvePath(parseResult.GetRequiredValue(_data));

            // Held until the restore is done, so no origin can start on the directory meanwhile either.
            using var dataLock = DataDirectoryLock.Acquire(data);
            target = OriginDatabaseFile.PathIn(data);
            summary = await OriginDatabaseFile.RestoreAsync(backup, target, cancellationToken);
        }

        await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Restored {backup} into {target}: revision {summary.HeadRevision}, {summary.Creators} creators, a new cluster id (edges take a fresh snapshot)."));
        return ExitCodes.Success;
    }
}
