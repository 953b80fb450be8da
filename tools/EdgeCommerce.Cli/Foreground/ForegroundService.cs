using System.Globalization;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Services;

namespace EdgeCommerce.Cli.Foreground;

/// <summary>
/// Runs one service in the foreground for <c>origin</c> and <c>edge</c>: a child process sharing
/// this console, SIGINT and SIGTERM forwarded to it as SIGTERM. Exit 0 when it stopped cleanly,
/// 1 when it failed (its exit code is printed).
/// </summary>
internal static class ForegroundService
{
    /// <summary>How long the service may take to stop after SIGTERM before it is killed. 30 seconds.</summary>
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(ServiceDefinition definition, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(context);

        using var shutdown = new ShutdownSignal();
        await using var service = ChildService.Start(definition, logPath: null, context.TimeProvider);
        await Task.WhenAny(service.Exited, Task.Delay(Timeout.InfiniteTimeSpan, shutdown.Token));

        var exitCode = shutdown.Token.IsCancellationRequested
            ? await service.StopAsync(s_stopGrace)
            : await service.Exited;
        if (exitCode == 0)
        {
            return ExitCodes.Success;
        }

        await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"error: {definition.Name} exited with code {exitCode}."));
        return ExitCodes.Failed;
    }
}
