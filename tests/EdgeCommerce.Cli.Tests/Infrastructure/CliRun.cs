using System.Diagnostics;
using EdgeCommerce.Hosting.Processes;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Infrastructure;

/// <summary>One finished run of the real CLI: <c>dotnet EdgeCommerce.Cli.dll ...</c>.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    /// <summary>What the CLI printed, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";

    /// <summary>The environment <c>./edgecommerce</c> gives the CLI, pointing at the tests' build.</summary>
    public static Dictionary<string, string> Environment => new()
    {
        ["EDGECOMMERCE_BIN"] = Repository.BinRoot,
        ["EDGECOMMERCE_CONFIGURATION"] = Repository.Configuration,
    };

    public static string AssemblyPath => Repository.AssemblyPath("EdgeCommerce.Cli");

    /// <summary>Runs the CLI to completion in <paramref name="workingDirectory"/>.</summary>
    /// <param name="environment">Variables set for this run over <see cref="Environment"/>; a null value removes one.</param>
    /// <param name="input">What the CLI reads on standard input; null gives it an empty one (never the test host's).</param>
    public static async Task<CliRun> RunAsync(IEnumerable<string> arguments, string workingDirectory, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? environment = null,
        string? input = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }

        // A token in the developer's shell must not decide a test.
        info.Environment.Remove("EDGECOMMERCE_TOKEN");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitOrKillAsync(cancellationToken);

        return new CliRun(process.ExitCode, await output, await error);
    }
}
