using System.Diagnostics;

namespace EdgeCommerce.Hosting.Processes;

/// <summary>Waiting for a child process the caller may give up on.</summary>
public static class ProcessExit
{
    /// <summary>
    /// Waits for <paramref name="process"/> to exit; if <paramref name="cancellationToken"/> is
    /// cancelled first, kills it with its children before rethrowing, so nothing the caller
    /// started outlives the caller's interest in it (Ctrl-C, a timeout).
    /// </summary>
    public static async Task WaitForExitOrKillAsync(this Process process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
