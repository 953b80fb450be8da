using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Edges;

/// <summary>Re-reads the revoked edges on a timer (see <see cref="EdgeRevocations"/>).</summary>
internal sealed class EdgeRevocationRefresher(
    EdgeRevocations revocations,
    IOptions<RoutingOptions> options,
    TimeProvider timeProvider,
    ILogger<EdgeRevocationRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RevocationRefreshInterval, timeProvider);
        try
        {
            do
            {
                try
                {
                    await revocations.RefreshAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The previous set stays in force; hellos read the store themselves.
                    EdgesLog.RevocationRefreshFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
