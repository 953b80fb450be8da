using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.ServiceDefaults.Observability;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Origin.Tests.Edges;

/// <summary>A relay's coalesced reports at the origin: identities checked once per stream, deltas applied, revocations still refused.</summary>
public sealed class RelayReportIntakeTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero));
    private readonly EdgeRegistry _registry;
    private readonly RevokedEdges _revokedStore = new();
    private readonly EdgeRevocations _revocations;

    public RelayReportIntakeTests()
    {
        _registry = new EdgeRegistry(_time);
        _revocations = new EdgeRevocations(_revokedStore, _registry, _time);
    }

    [Fact]
    public async Task ApplyAsync_DeltasAfterAFullReport_ReachEveryEdgesRevisionCheckingEachIdentityOnce()
    {
        // Arrange: would catch an origin that re-checks every edge on every report, or a delta that
        // loses the edges it does not list.
        var intake = Intake();
        var full = Full([.. Enumerable.Range(1, 3).Select(static i => Introduce($"edge-{i}", applied: 10))]);
        await intake.ApplyAsync(full, relayApplied: 10, TestContext.Current.CancellationToken);

        // Act: two deltas, each with some of the edges (as a relay sends them once they acknowledged more).
        await intake.ApplyAsync(Delta(("edge-1", 11), ("edge-2", 11)), relayApplied: 11, TestContext.Current.CancellationToken);
        await intake.ApplyAsync(Delta(("edge-3", 12), ("edge-1", 12)), relayApplied: 12, TestContext.Current.CancellationToken);

        // Assert
        var shown = _registry.Local().ToDictionary(static r => r.Id);
        Assert.Equal(12, shown["edge-1"].AppliedRevision);
        Assert.Equal(11, shown["edge-2"].AppliedRevision);
        Assert.Equal(12, shown["edge-3"].AppliedRevision);
        Assert.All(shown.Values, static r => Assert.True(r.Connected));
        Assert.All(shown.Keys, id => Assert.Equal("relay-1", _registry.ViaOf(id)));
        Assert.Equal("https://edge-2.example.com", shown["edge-2"].PublicUrl);
        Assert.Equal(3, intake.IdentityChecks);
    }

    [Fact]
    public async Task ApplyAsync_FirstReportAboveTheRelaysAck_IsCappedThenRaisedAsTheRelayAcks()
    {
        // Arrange: a stream's first report goes out before the relay's own first ack; the edges in it
        // must not stay at 0 when no later delta lists them (they changed nothing).
        var intake = Intake();
        var full = Full(Introduce("edge-1", applied: 10));

        // Act
        await intake.ApplyAsync(full, relayApplied: 0, TestContext.Current.CancellationToken);
        var capped = Assert.Single(_registry.Local()).AppliedRevision;
        await intake.ApplyAsync(Delta(), relayApplied: 10, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(0, capped);
        Assert.Equal(10, Assert.Single(_registry.Local()).AppliedRevision);
    }

    [Fact]
    public async Task OnRelayAcknowledged_AfterACappedFirstReport_RaisesTheEdgesWithoutAnotherReport()
    {
        // Arrange: would catch edges left at 0 until the relay's next report, a heartbeat away (or
        // never, when its stream keeps being replaced before one).
        var intake = Intake();
        var full = Full(Introduce("edge-1", applied: 10));
        await intake.ApplyAsync(full, relayApplied: 0, TestContext.Current.CancellationToken);

        // Act
        intake.OnRelayAcknowledged(10);

        // Assert
        Assert.Equal(10, Assert.Single(_registry.Local()).AppliedRevision);
    }

    [Fact]
    public async Task ApplyAsync_RevokedEdge_IsRefusedWhenIntroducedAndDroppedWhenRevokedLater()
    {
        // Arrange: would catch a per-stream cache that keeps believing an edge revoked after it was checked.
        _revokedStore.Revoked.Add("edge-bad");
        var intake = Intake();
        var full = Full(Introduce("edge-bad", applied: 10), Introduce("edge-ok", applied: 10));
        await intake.ApplyAsync(full, relayApplied: 10, TestContext.Current.CancellationToken);
        var refused = _registry.Local().Any(static r => r.Id == "edge-bad");

        // Act
        _revokedStore.Revoked.Add("edge-ok");
        await _revocations.RefreshAsync(TestContext.Current.CancellationToken);
        await intake.ApplyAsync(Delta(("edge-ok", 11), ("edge-bad", 11)), relayApplied: 11, TestContext.Current.CancellationToken);

        // Assert
        Assert.False(refused);
        Assert.DoesNotContain(_registry.Local(), static r => r.Id == "edge-bad");
        var revoked = Assert.Single(_registry.Local(), static r => r.Id == "edge-ok");
        Assert.False(revoked.Connected);
        Assert.Equal(10, revoked.AppliedRevision);
    }

    [Fact]
    public async Task ApplyAsync_GoneAndDisallowedEdges_AreShownDisconnectedOrNotAtAll()
    {
        // Arrange
        var intake = Intake();
        var full = Full(Introduce("edge-1", applied: 10), Introduce("edge-2", applied: 10));
        full.Edges.Add(new DownstreamEdge { EdgeId = "edge-evil", PublicUrl = "https://evil.example.net", AppliedRevision = 10 });
        await intake.ApplyAsync(full, relayApplied: 10, TestContext.Current.CancellationToken);

        // Act: edge-1 left the relay; a delta naming edge-evil without its URL does not let it in.
        var delta = Delta(("edge-evil", 11));
        delta.GoneEdgeIds.Add("edge-1");
        await intake.ApplyAsync(delta, relayApplied: 11, TestContext.Current.CancellationToken);

        // Assert
        var shown = _registry.Local().ToDictionary(static r => r.Id);
        Assert.False(shown["edge-1"].Connected);
        Assert.True(shown["edge-2"].Connected);
        Assert.False(shown.ContainsKey("edge-evil"));
    }

    [Fact]
    public async Task ApplyAsync_Followers_ShowTheFollowedRevisionOnceTheRelayAcknowledgesIt()
    {
        // Arrange: would catch an origin that ignores followers (they would stay at the revision they
        // were introduced at while every write reaches them), or one that shows them above what the
        // relay itself acknowledged.
        var intake = await IntakeWithFollowersAsync("edge-1", "edge-2");

        // Act: a write: the relay's next report lists nobody, only where its followers are.
        await intake.ApplyAsync(new DownstreamReport { Delta = true, FollowedRevision = 11 }, relayApplied: 10, TestContext.Current.CancellationToken);
        var beforeTheRelaysAck = _registry.Local().Select(static r => r.AppliedRevision).ToList();
        intake.OnRelayAcknowledged(11);

        // Assert
        Assert.Equal([10L, 10L], beforeTheRelaysAck);
        Assert.All(_registry.Local(), static r => Assert.Equal(11, r.AppliedRevision));
        Assert.All(_registry.Local(), static r => Assert.True(r.Connected));
        Assert.All(_registry.Local(), r => Assert.Equal("relay-1", _registry.ViaOf(r.Id)));
    }

    [Fact]
    public async Task ApplyAsync_FollowerThatFallsBehind_ShowsItsOwnRevisionAndFollowsAgainWhenItCatchesUp()
    {
        // Arrange: would catch an origin that keeps resolving a laggard from its relay's followers.
        var intake = await IntakeWithFollowersAsync("edge-1", "edge-2");

        // Act
        var behind = Delta(("edge-2", 10));
        behind.FollowedRevision = 12;
        await intake.ApplyAsync(behind, relayApplied: 12, TestContext.Current.CancellationToken);
        var whileBehind = _registry.Local().ToDictionary(static r => r.Id, static r => r.AppliedRevision);
        var caughtUp = new DownstreamReport { Delta = true, FollowedRevision = 13 };
        caughtUp.Edges.Add(new DownstreamEdge { EdgeId = "edge-2", AppliedRevision = 13, Follower = true });
        await intake.ApplyAsync(caughtUp, relayApplied: 13, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(12, whileBehind["edge-1"]);
        Assert.Equal(10, whileBehind["edge-2"]);
        Assert.All(_registry.Local(), static r => Assert.Equal(13, r.AppliedRevision));
    }

    [Fact]
    public async Task TakeDirty_FollowersMovingWithTheirRelay_AreStoredAtMostOncePerRefreshAndFixedWhenTheyLeave()
    {
        // Arrange: would catch a store write per follower per write (the flush then costs what the
        // reports no longer do), or a follower that leaves its relay still moving with it.
        var intake = await IntakeWithFollowersAsync("edge-1", "edge-2");
        var refresh = TimeSpan.FromSeconds(3);
        var introduced = _registry.TakeDirty(refresh);

        // Act
        await intake.ApplyAsync(new DownstreamReport { Delta = true, FollowedRevision = 11 }, relayApplied: 11, TestContext.Current.CancellationToken);
        var withinRefresh = _registry.TakeDirty(refresh);
        _time.Advance(refresh);
        var afterRefresh = _registry.TakeDirty(refresh);
        var gone = new DownstreamReport { Delta = true, FollowedRevision = 12 };
        gone.GoneEdgeIds.Add("edge-1");
        await intake.ApplyAsync(gone, relayApplied: 12, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(2, introduced.Count);
        Assert.Empty(withinRefresh);
        Assert.Equal([11L, 11L], afterRefresh.Select(static r => r.AppliedRevision));
        var shown = _registry.Local().ToDictionary(static r => r.Id);
        Assert.Equal((11L, false), (shown["edge-1"].AppliedRevision, shown["edge-1"].Connected));
        Assert.Equal((12L, true), (shown["edge-2"].AppliedRevision, shown["edge-2"].Connected));
    }

    [Fact]
    public async Task ApplyAsync_FollowersOfAQuietRelay_StayConnectedOnItsReportsAlone()
    {
        // Arrange: the relay lists a follower once; after that its reports (and acks) alone keep it
        // connected, well past the contact timeout.
        var intake = await IntakeWithFollowersAsync("edge-1");

        // Act
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            await intake.ApplyAsync(new DownstreamReport { Delta = true, FollowedRevision = 10 }, relayApplied: 10, TestContext.Current.CancellationToken);
        }

        // Assert
        var edge = Assert.Single(_registry.Local());
        Assert.True(edge.Connected);
        Assert.Equal(_time.GetUtcNow(), edge.LastContact);
    }

    private RelayReportIntake Intake()
    {
        // Loopback is not enough for these URLs: *.example.com is allowed, example.net is not.
        var policy = new EdgeUrlPolicy(new StaticOptions(new RoutingOptions { AllowedEdgeUrls = ["*.example.com"] }));
        var loads = new EdgeLoadReports(_time, Options.Create(new ObservabilityOptions()));
        return new RelayReportIntake("relay-1", _registry, loads.Report, policy, _revocations, _time, TimeSpan.FromSeconds(3));
    }

    /// <summary>An intake whose stream's full report introduced <paramref name="edgeIds"/> as followers at revision 10, the relay's own acknowledgement.</summary>
    private async Task<RelayReportIntake> IntakeWithFollowersAsync(params string[] edgeIds)
    {
        var intake = Intake();
        var full = Full([.. edgeIds.Select(static id => Follower(id, applied: 10))]);
        full.FollowedRevision = 10;
        await intake.ApplyAsync(full, relayApplied: 10, TestContext.Current.CancellationToken);
        return intake;
    }

    private static DownstreamEdge Introduce(string edgeId, long applied)
        => new() { EdgeId = edgeId, Region = "eu-west", PublicUrl = $"https://{edgeId}.example.com", AppliedRevision = applied };

    private static DownstreamEdge Follower(string edgeId, long applied)
        => new() { EdgeId = edgeId, Region = "eu-west", PublicUrl = $"https://{edgeId}.example.com", AppliedRevision = applied, Follower = true };

    /// <summary>A stream's full report (not a delta) of <paramref name="edges"/>.</summary>
    private static DownstreamReport Full(params DownstreamEdge[] edges)
    {
        var report = new DownstreamReport();
        report.Edges.Add(edges);
        return report;
    }

    private static DownstreamReport Delta(params (string EdgeId, long Applied)[] edges)
    {
        var report = new DownstreamReport { Delta = true };
        report.Edges.Add(edges.Select(static e => new DownstreamEdge { EdgeId = e.EdgeId, AppliedRevision = e.Applied }));
        return report;
    }

    private sealed class StaticOptions(RoutingOptions value) : IOptionsMonitor<RoutingOptions>
    {
        public RoutingOptions CurrentValue => value;

        public RoutingOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<RoutingOptions, string?> listener) => null;
    }

    private sealed class RevokedEdges : IEdgeRevocationStore
    {
        public HashSet<string> Revoked { get; } = new(StringComparer.Ordinal);

        public Task RevokeEdgeAsync(string edgeId, DateTimeOffset at, CancellationToken cancellationToken)
        {
            Revoked.Add(edgeId);
            return Task.CompletedTask;
        }

        public Task<bool> AllowEdgeAsync(string edgeId, CancellationToken cancellationToken) => Task.FromResult(Revoked.Remove(edgeId));

        public Task<bool> IsEdgeRevokedAsync(string edgeId, CancellationToken cancellationToken) => Task.FromResult(Revoked.Contains(edgeId));

        public Task<IReadOnlyList<string>> ListRevokedEdgesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([.. Revoked]);
    }
}
