using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.OriginLink;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Drops.Stock;

/// <summary>
/// Tells the origin how many units this edge's live reservations hold in each of its leases, so
/// every edge shows <c>available = allocation − sold − held</c>. Every
/// <see cref="DropsOptions.HoldsReportInterval"/> it compares each lease's held units with what the
/// origin last accepted and sends the leases that changed in one call: a burst of reservations is
/// one report (and one revision per drop at the origin), not one per reservation, and the
/// reservation path itself does no extra work. Counts are absolute, so a failed report is simply
/// carried by the next one.
/// </summary>
internal sealed class HoldsReporter(
    DropReservations reservations,
    IDropHoldsOrigin origin,
    IOptions<DropsOptions> options,
    TimeProvider timeProvider,
    ILogger<HoldsReporter> logger) : BackgroundService
{
    // Only the reporting loop (or a test, instead of it) touches these: no lock.
    private readonly Dictionary<string, (int Held, DateTimeOffset LeaseExpiresAt)> _reported = new(StringComparer.Ordinal);
    private readonly List<LeaseHolding> _holdings = [];
    private readonly Dictionary<string, long> _nextReleases = new(StringComparer.Ordinal);
    private DateTimeOffset _nextReleasesAt = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HoldsReportInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ReportOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    StockLog.HoldsReportError(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends one report of every lease whose held units changed since the origin last accepted them. Returns how many leases it carried (0: nothing changed, or the origin was not reached).</summary>
    internal async Task<int> ReportOnceAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var report = new HoldsReport();
        var sent = new List<(string LeaseId, int Held, DateTimeOffset ExpiresAt)>();
        foreach (var pool in reservations.Pools())
        {
            _holdings.Clear();
            pool.CopyHoldings(_holdings);
            foreach (var holding in _holdings)
            {
                // An ended lease's holds stop counting everywhere by its expiry; the origin would skip it.
                if (holding.ExpiresAt <= now || report.Leases.Count >= MaxLeasesPerReport)
                {
                    continue;
                }

                var reported = _reported.TryGetValue(holding.LeaseId, out var last) ? last.Held : 0;
                if (holding.Held != reported)
                {
                    report.Leases.Add(new LeaseHeld { DropId = pool.DropId, LeaseId = holding.LeaseId, Held = holding.Held });
                    sent.Add((holding.LeaseId, holding.Held, holding.ExpiresAt));
                }
            }
        }

        foreach (var (leaseId, last) in _reported)
        {
            if (last.LeaseExpiresAt <= now)
            {
                _reported.Remove(leaseId);
            }
        }

        if (report.Leases.Count == 0)
        {
            return 0;
        }

        AddNextReleases(report, now);
        try
        {
            await origin.ReportHoldsAsync(report, cancellationToken);
        }
        catch (OriginUnavailableException)
        {
            StockLog.HoldsReportFailed(logger, StatusCode.Unavailable);
            return 0;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            StockLog.HoldsReportFailed(logger, ex.StatusCode);
            return 0;
        }

        foreach (var (leaseId, held, expiresAt) in sent)
        {
            _reported[leaseId] = (held, expiresAt);
        }

        return sent.Count;
    }

    /// <summary>
    /// When the earliest live reservation of each reported lease expires: the origin's "nothing
    /// free" answer uses it as the time a unit is likely back. Finding it walks every reservation
    /// the edge remembers (tens of thousands during a drop), so the walk runs at most once per
    /// <see cref="NextReleaseRefresh"/> and reports in between reuse it: Retry-After is whole
    /// seconds anyway, and walking at every report cost the reservation path measurably (perf/RESULTS.md, "stock").
    /// </summary>
    private void AddNextReleases(HoldsReport report, DateTimeOffset now)
    {
        if (now - _nextReleasesAt >= NextReleaseRefresh)
        {
            _nextReleases.Clear();
            foreach (var reservation in reservations.Reservations())
            {
                if (reservation.State == ReservationState.Held)
                {
                    var ms = reservation.ExpiresAt.ToUnixTimeMilliseconds();
                    if (!_nextReleases.TryGetValue(reservation.Lease.Id, out var current) || ms < current)
                    {
                        _nextReleases[reservation.Lease.Id] = ms;
                    }
                }
            }

            _nextReleasesAt = now;
        }

        foreach (var lease in report.Leases)
        {
            // A lease new since the last walk has no time yet: the origin then falls back to the lease's end.
            lease.NextReleaseUnixMs = lease.Held > 0 && _nextReleases.TryGetValue(lease.LeaseId, out var ms) ? ms : 0;
        }
    }

    /// <summary>How long a walk of the reservations for <see cref="AddNextReleases"/> stays good.</summary>
    internal static readonly TimeSpan NextReleaseRefresh = TimeSpan.FromSeconds(1);

    /// <summary>The origin's limit per report; more changed leases go in the next one.</summary>
    private const int MaxLeasesPerReport = 1000;
}

/// <summary>One lease's held units as its pool saw them.</summary>
internal readonly record struct LeaseHolding(string LeaseId, int Held, DateTimeOffset ExpiresAt);
