using System.Collections.Concurrent;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage.Drops;

namespace EdgeCommerce.Origin.Drops.Report;

/// <summary>
/// Takes the drop funnel counts edges send with their acks and writes them to the store
/// every <see cref="FlushInterval"/>, off the stream's loop: only each edge's newest report is kept
/// until then (they are cumulative, so an older one adds nothing), and a write that fails is
/// superseded by the edge's next report.
/// </summary>
internal sealed partial class DropFunnelIngest(IDropStore store, TimeProvider timeProvider, ILogger<DropFunnelIngest> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>More drops than one report may carry are ignored (an edge reports only drops active in the last day).</summary>
    private const int MaxDropsPerReport = 1000;

    private readonly ConcurrentDictionary<string, EdgeFunnelReport> _pending = new(StringComparer.Ordinal);

    /// <summary>Keeps <paramref name="load"/>'s funnel counts for the next flush; ignores a report without any, or with values no edge can have counted.</summary>
    public void Report(string edgeId, EdgeLoad load)
    {
        ArgumentNullException.ThrowIfNull(load);
        if (load.DropFunnels.Count is 0 or > MaxDropsPerReport || load.BootId.Length is 0 or > 64 || load.FunnelSequence <= 0)
        {
            return;
        }

        var drops = load.DropFunnels.Where(static d => Identifiers.IsValid(d.DropId)
            && d.Queued >= 0 && d.Admitted >= 0 && d.Reserved >= 0 && d.Released >= 0 && d.Expired >= 0 && d.ConfirmFailed >= 0
            && d.ReserveLatencyBuckets.Count <= DropLatencyHistogram.BucketCount && d.ConfirmLatencyBuckets.Count <= DropLatencyHistogram.BucketCount).ToList();
        var report = new EdgeFunnelReport(edgeId, load.BootId, load.FunnelSequence, drops);
        _pending.AddOrUpdate(edgeId, report, (_, previous) => previous.BootId == report.BootId && previous.Sequence > report.Sequence ? previous : report);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        var reports = new List<EdgeFunnelReport>();
        foreach (var edgeId in _pending.Keys)
        {
            if (_pending.TryRemove(edgeId, out var report))
            {
                reports.Add(report);
            }
        }

        if (reports.Count == 0)
        {
            return;
        }

        try
        {
            await store.RecordFunnelsAsync(reports, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFlushFailed(logger, reports.Count, ex);
        }
    }

    [LoggerMessage(EventId = 1640, Level = LogLevel.Warning, Message = "Could not store {Count} edge funnel reports; the edges' next reports replace them.")]
    private static partial void LogFlushFailed(ILogger logger, int count, Exception exception);
}
