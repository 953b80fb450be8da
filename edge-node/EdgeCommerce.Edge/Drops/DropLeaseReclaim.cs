namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// At start, gives back what an earlier process of this edge left in its leases at the origin
/// (<see cref="DropReservations.EnsureReclaimedAsync"/>), retrying while the origin cannot be
/// reached, so units a crashed process held are free again within seconds of the restart even
/// when no viewer calls. A refill does the same before its first lease, whichever comes first.
/// </summary>
internal sealed class DropLeaseReclaim(DropReservations reservations, TimeProvider timeProvider) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested && !reservations.Reclaimed)
        {
            try
            {
                await reservations.EnsureReclaimedAsync();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The origin is not reachable yet: refills log their own failures; this one tries again.
            }

            try
            {
                await Task.Delay(delay, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }
}
