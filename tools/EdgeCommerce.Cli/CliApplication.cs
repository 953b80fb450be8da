using System.CommandLine;
using System.CommandLine.Help;
using EdgeCommerce.Cli.Backup;
using EdgeCommerce.Cli.Bench;
using EdgeCommerce.Cli.Catalog;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Creators;
using EdgeCommerce.Cli.Drops;
using EdgeCommerce.Cli.Edges;
using EdgeCommerce.Cli.Keys;
using EdgeCommerce.Cli.Models;
using EdgeCommerce.Cli.Foreground;
using EdgeCommerce.Cli.Rehearse;
using EdgeCommerce.Cli.Up;

namespace EdgeCommerce.Cli;

/// <summary>
/// The command tree and the exit-code contract: 0 success, 1 the operation failed (the reason is
/// printed), 2 usage error (the errors and the verb's usage are printed).
/// </summary>
internal static class CliApplication
{
    /// <summary>The name usage shows: the command people type (./edgecommerce), not the assembly's.</summary>
    public const string Name = "edgecommerce";

    public static Command CreateRootCommand(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // A plain Command rather than RootCommand, whose name is the assembly's (EdgeCommerce.Cli).
        return new Command(Name, "EdgeCommerce: run an origin with edges locally, and manage catalogs through the admin API.")
        {
            new HelpOption(),
            new VersionOption(),
            new UpCommand(context),
            new OriginCommand(context),
            new EdgeCommand(context),
            new CatalogCommand(context),
            new DropsCommand(context),
            new Webhooks.WebhooksCommand(context),
            new CreatorsCommand(context),
            new EdgesCommand(context),
            new TokenCommand(context),
            new KeysCommand(context),
            new ModelsCommand(context),
            new BackupCommand(context),
            new RestoreCommand(context),
            new BenchCommand(context),
            new RehearseCommand(context),
        };
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);

        var root = CreateRootCommand(context);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            // System.CommandLine's own error action exits 1; usage errors are 2 here, so they are
            // reported before invoking anything.
            foreach (var error in parseResult.Errors)
            {
                await context.Error.WriteLineAsync(error.Message);
            }

            if (DidYouMean(parseResult) is { } suggestion)
            {
                await context.Error.WriteLineAsync(suggestion);
            }

            await context.Error.WriteLineAsync();
            PrintUsage(root, parseResult, context.Error);
            return ExitCodes.UsageError;
        }

        var configuration = new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            // Long-running verbs (up, origin, edge) handle SIGINT and SIGTERM themselves, to stop
            // their children; the others may simply be interrupted.
            ProcessTerminationTimeout = null,
            // Failures are reported by the catch below, with exit code 1 and no stack trace for CliException.
            EnableDefaultExceptionHandler = false,
        };

        try
        {
            return await parseResult.InvokeAsync(configuration, CancellationToken.None);
        }
        catch (CliException ex)
        {
            await context.Error.WriteLineAsync("error: " + ex.Message);
            return ExitCodes.Failed;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The file system said no (a path that is a directory, a full disk, no permission): its message names the path.
            await context.Error.WriteLineAsync("error: " + ex.Message);
            return ExitCodes.Failed;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug, or an environment problem nobody anticipated: one line for people; the
            // details (stack trace) only when asked for.
            await context.Error.WriteLineAsync(context.GetEnvironmentVariable(DebugVariable) is { Length: > 0 }
                ? "error: " + ex
                : $"error: {ex.Message} ({ex.GetType().Name}; set {DebugVariable}=1 for the details)");
            return ExitCodes.Failed;
        }
    }

    /// <summary>Set to print the stack trace of an unexpected failure.</summary>
    public const string DebugVariable = "EDGECOMMERCE_DEBUG";

    /// <summary>"Did you mean 'up'?" for the first unknown word close to a verb or option of the command it was typed in.</summary>
    internal static string? DidYouMean(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var command = parseResult.CommandResult.Command;
        var names = command.Subcommands.SelectMany(static sub => sub.Aliases.Prepend(sub.Name))
            .Concat(command.Options.SelectMany(static option => option.Aliases.Prepend(option.Name)))
            .Where(static name => !name.StartsWith('-') || name.StartsWith("--", StringComparison.Ordinal))
            .ToList();
        foreach (var token in parseResult.UnmatchedTokens)
        {
            if (Suggestions.Closest(token, names) is { } closest)
            {
                return $"Did you mean '{closest}'?";
            }
        }

        return null;
    }

    /// <summary>Writes the help of the deepest command that was recognized, e.g. <c>catalog push</c>.</summary>
    private static void PrintUsage(Command root, ParseResult parseResult, TextWriter writer)
    {
        var path = new List<string>();
        for (var result = parseResult.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            path.Insert(0, result.Command.Name);
        }

        path.Add("--help");
        root.Parse(path).Invoke(new InvocationConfiguration { Output = writer, Error = writer });
    }
}
