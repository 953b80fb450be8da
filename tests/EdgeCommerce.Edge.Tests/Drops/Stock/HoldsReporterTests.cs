using System.Collections.Frozen;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Drops;
using EdgeCommerce.Edge.Drops.Stock;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Edge.Tests.Drops.Stock;

/// <summary>
/// The edge's side of live stock (issue 15 §1) on a fake clock: what the holds report carries and
/// when, and the <c>available</c> every edge derives from the published holds.
/// </summary>
public sealed class HoldsReporterTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 19, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(2);

    private readonly FakeTimeProvider _time = new(s_now);
    private readonly ReplicaHolder _holder = new();
    private readonly InMemoryDropOrigin _origin;
    private readonly RecordingHoldsOrigin _holdsOrigin = new();
    private readonly TestMeterFactory _meters = new();
    private readonly DropReservations _reservations;
    private readonly HoldsReporter _reporter;

    public HoldsReporterTests()
    {
        _origin = new InMemoryDropOrigin(_time, TimeSpan.FromMinutes(10));
        var options = Options.Create(new DropsOptions { ReservationTtl = s_ttl, ClockSkewMargin = TimeSpan.FromSeconds(5), LeaseUnits = 4 });
        _reservations = new DropReservations(_holder, _origin, options,
            Options.Create(new EdgeOptions { Id = "edge-1", Region = "eu", PublicUrl = "http://edge" }),
            _time, new DropMetrics(_meters), NullLogger<DropReservations>.Instance);
        _reporter = new HoldsReporter(_reservations, _holdsOrigin, options, _time, NullLogger<HoldsReporter>.Instance);
        _origin.AddSku("d1", "hoodie-m", 40, 2);
        var drop = new DropState
        {
            DropId = "d1",
            CreatorId = "c1",
            Revision = 1,
            Title = "Tour drop",
            StartsAtUnixMs = s_now.AddMinutes(-1).ToUnixTimeMilliseconds(),
            EndsAtUnixMs = s_now.AddHours(2).ToUnixTimeMilliseconds(),
            PerViewerLimit = 2,
            Skus = { new DropSku { SkuId = "hoodie-m", Allocation = 40 } },
        };
        _holder.Swap(_holder.Current.ApplySnapshot(new Snapshot { Revision = 1, Drops = { drop } }).Replica);
    }

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>
    /// Three reservations between two ticks are one report with the lease's held units (3, not the
    /// lease's 4) and the earliest reservation's expiry; nothing changed is no call; a release is
    /// reported as the new absolute count, with the expiry of the first reservation still held.
    /// Before: nothing reported held units at all.
    /// </summary>
    [Fact]
    public async Task ReportOnceAsync_ABurstOfReservations_IsOneReportOfEachLeasesHeldUnits()
    {
        // Arrange
        var first = await Reserve("viewer-1");
        _time.Advance(TimeSpan.FromSeconds(1));
        await Reserve("viewer-2");
        await Reserve("viewer-3");

        // Act
        var burst = await _reporter.ReportOnceAsync(CancellationToken);
        var idle = await _reporter.ReportOnceAsync(CancellationToken);
        await _reservations.ReleaseAsync(Viewer("viewer-1"), first.Reservation!.Id, CancellationToken);
        var afterRelease = await _reporter.ReportOnceAsync(CancellationToken);

        // Assert
        Assert.Equal((1, 0, 1), (burst, idle, afterRelease));
        Assert.Equal(2, _holdsOrigin.Reports.Count);
        var reported = Assert.Single(_holdsOrigin.Reports[0].Leases);
        Assert.Equal(("d1", first.Reservation.Lease.Id, 3, first.Reservation.ExpiresAt.ToUnixTimeMilliseconds()),
            (reported.DropId, reported.LeaseId, reported.Held, reported.NextReleaseUnixMs));
        var released = Assert.Single(_holdsOrigin.Reports[1].Leases);
        Assert.Equal((2, s_now.AddSeconds(1).Add(s_ttl).ToUnixTimeMilliseconds()), (released.Held, released.NextReleaseUnixMs));
    }

    /// <summary>
    /// The next release is the expiry of the lease's first reservation still held: reservations made
    /// before it that were released or confirmed give nothing back any more. Catches a time taken
    /// from an ended reservation (a Retry-After promising units that are not coming), and a lease
    /// with nothing held still carrying one.
    /// </summary>
    [Fact]
    public async Task ReportOnceAsync_EarlierReservationsEnded_CarriesTheExpiryOfTheFirstStillHeld()
    {
        // Arrange
        var first = await Reserve("viewer-1");
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = await Reserve("viewer-2");
        _time.Advance(TimeSpan.FromSeconds(1));
        var third = await Reserve("viewer-3");
        await _reservations.ReleaseAsync(Viewer("viewer-1"), first.Reservation!.Id, CancellationToken);
        await _reservations.ConfirmAsync(Viewer("viewer-2"), second.Reservation!.Id, CancellationToken);

        // Act
        await _reporter.ReportOnceAsync(CancellationToken);
        await _reservations.ReleaseAsync(Viewer("viewer-3"), third.Reservation!.Id, CancellationToken);
        await _reporter.ReportOnceAsync(CancellationToken);

        // Assert
        var held = Assert.Single(_holdsOrigin.Reports[0].Leases);
        Assert.Equal((1, third.Reservation.ExpiresAt.ToUnixTimeMilliseconds()), (held.Held, held.NextReleaseUnixMs));
        var empty = Assert.Single(_holdsOrigin.Reports[1].Leases);
        Assert.Equal((0, 0L), (empty.Held, empty.NextReleaseUnixMs));
    }

    /// <summary>A report the origin did not take is not forgotten: the next tick sends the counts again.</summary>
    [Fact]
    public async Task ReportOnceAsync_OriginUnreachable_TheNextReportCarriesTheCounts()
    {
        // Arrange
        await Reserve("viewer-1");
        _holdsOrigin.Down = true;

        // Act
        var whileDown = await _reporter.ReportOnceAsync(CancellationToken);
        _holdsOrigin.Down = false;
        var afterwards = await _reporter.ReportOnceAsync(CancellationToken);

        // Assert
        Assert.Equal((0, 1), (whileDown, afterwards));
        Assert.Equal(1, Assert.Single(Assert.Single(_holdsOrigin.Reports).Leases).Held);
    }

    /// <summary>
    /// What every edge shows: allocation − sold − holds whose lease has not ended; a dead edge's hold
    /// stops counting at its lease's expiry with no new revision. Before: allocation − sold − leased,
    /// so one reservation showed a whole lease missing, and a dead edge's lease forever.
    /// </summary>
    [Fact]
    public void EdgeDropViewFrom_HoldsOfLiveAndEndingLeases_AvailableCountsLiveHoldsOnly()
    {
        // Arrange
        var drop = _holder.Current.FindDrop("d1")!.Clone();
        drop.Skus[0].Sold = 5;
        drop.Skus[0].Leased = 20;
        drop.Skus[0].Holds.Add(new LeaseHold { Units = 2, ExpiresAtUnixMs = s_now.AddMinutes(10).ToUnixTimeMilliseconds() });
        drop.Skus[0].Holds.Add(new LeaseHold { Units = 3, ExpiresAtUnixMs = s_now.AddSeconds(30).ToUnixTimeMilliseconds() });

        // Act
        var now = EdgeDropView.From(drop, s_now, catalog: null).Skus[0].Available;
        var atEnd = EdgeDropView.From(drop, s_now.AddSeconds(30), catalog: null).Skus[0].Available;

        // Assert
        Assert.Equal((30, 33), (now, atEnd));
    }

    public void Dispose() => _meters.Dispose();

    private Task<ReserveResult> Reserve(string viewer) => _reservations.ReserveAsync(Viewer(viewer), "d1", "hoodie-m", 1, null, CancellationToken);

    private static AccessToken Viewer(string subject)
        => new(subject, "c1", new[] { Scopes.DropReserve }.ToFrozenSet(StringComparer.Ordinal), null, s_now.AddDays(1), "kid", Guid.NewGuid().ToString("N"));

    private sealed class RecordingHoldsOrigin : IDropHoldsOrigin
    {
        public List<HoldsReport> Reports { get; } = [];

        public bool Down { get; set; }

        public Task<HoldsReportReply> ReportHoldsAsync(HoldsReport report, CancellationToken cancellationToken)
        {
            if (Down)
            {
                throw new OriginUnavailableException(TimeSpan.FromSeconds(1), circuitOpen: true, inner: null);
            }

            Reports.Add(report.Clone());
            return Task.FromResult(new HoldsReportReply { Applied = report.Leases.Count });
        }
    }
}
