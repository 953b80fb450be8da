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
            foreach (var (lease, held) in _holdings)
            {
                // An ended lease's holds stop counting everywhere by its expiry; the origin would skip it.
                if (lease.ExpiresAt <= now || report.Leases.Count >= MaxLeasesPerReport)
                {
                    continue;
                }

                var reported = _reported.TryGetValue(lease.Id, out var last) ? last.Held : 0;
                if (held != reported)
                {
                    // When a unit is likely back: the origin's "nothing free" answer carries it.
                    var nextRelease = held > 0 && lease.NextRelease() is { } at ? at.ToUnixTimeMilliseconds() : 0;
                    report.Leases.Add(new LeaseHeld { DropId = pool.DropId, LeaseId = lease.Id, Held = held, NextReleaseUnixMs = nextRelease });
                    sent.Add((lease.Id, held, lease.ExpiresAt));
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

    /// <summary>The origin's limit per report; more changed leases go in the next one.</summary>
    private const int MaxLeasesPerReport = 1000;
}

/// <summary>One lease's held units as its pool saw them.</summary>
internal readonly record struct LeaseHolding(InventoryLease Lease, int Held);
