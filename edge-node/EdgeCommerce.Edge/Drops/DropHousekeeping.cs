using EdgeCommerce.Edge.Drops.Admission;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Drops;

/// <summary>Runs <see cref="DropAdmission.Sweep"/> and <see cref="DropReservations.SweepAsync"/> every <see cref="DropsOptions.SweepInterval"/> on the injected clock.</summary>
internal sealed class DropHousekeeping(DropReservations reservations, DropAdmission admission, IOptions<DropsOptions> options, TimeProvider timeProvider, ILogger<DropHousekeeping> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    admission.Sweep();
                    await reservations.SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    DropsLog.SweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
