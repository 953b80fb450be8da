using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Relay;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Edge.Tests.Relay;

/// <summary>The relay's reports of its downstream edges to the origin: one full, then only what changed (followers once, laggards, material loads), coalesced.</summary>
public sealed class RelayDownstreamsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TakeReport_AfterAWrite_ListsNoFollowerButTheRevisionTheyAllHold()
    {
        // Arrange: would catch a relay that lists every edge that acknowledged a write (the origin's
        // work per write then grows with the edges behind the relay).
        var downstreams = Downstreams();
        var streams = Enumerable.Range(1, 4).Select(i => downstreams.Connect(Hello($"edge-{i}"))).ToList();
        foreach (var stream in streams)
        {
            stream.OnApplied(10, load: null);
        }

        var full = downstreams.TakeReport(full: true);
        foreach (var stream in streams)
        {
            stream.OnApplied(11, load: null);
        }

        // Act
        var afterWrite = downstreams.TakeReport(full: false);
        streams[1].OnApplied(12, load: null);
        var midWrite = downstreams.TakeReport(full: false);

        // Assert
        Assert.False(full.Delta);
        Assert.Equal(4, full.Edges.Count);
        Assert.All(full.Edges, static e => Assert.Equal("https://" + e.EdgeId + ".example.com", e.PublicUrl));
        Assert.All(full.Edges, static e => Assert.True(e.Follower));
        Assert.Equal(10, full.FollowedRevision);
        Assert.True(afterWrite.Delta);
        Assert.Empty(afterWrite.Edges);
        Assert.Equal(11, afterWrite.FollowedRevision);
        // Three of the four still at 11: the followers are all shown at what they all hold.
        Assert.Empty(midWrite.Edges);
        Assert.Equal(11, midWrite.FollowedRevision);
    }

    [Fact]
    public void TakeReport_EdgeThatFallsBehind_IsListedWithItsOwnRevisionUntilItCatchesUp()
    {
        // Arrange: would catch a relay that keeps a stuck edge among its followers (the origin would
        // show it at a revision it does not hold), or one that never lets it follow again.
        var downstreams = Downstreams();
        var streams = Enumerable.Range(1, 3).Select(i => downstreams.Connect(Hello($"edge-{i}"))).ToList();
        streams.ForEach(static s => s.OnApplied(10, load: null));
        downstreams.TakeReport(full: true);
        streams[0].OnApplied(11, load: null);
        streams[1].OnApplied(11, load: null);
        // edge-3 still holds everything the furthest edge had at the previous report.
        var slack = downstreams.TakeReport(full: false);
        streams[0].OnApplied(12, load: null);
        streams[1].OnApplied(12, load: null);

        // Act
        var behind = downstreams.TakeReport(full: false);
        streams[2].OnApplied(11, load: null);
        var moving = downstreams.TakeReport(full: false);
        streams[2].OnApplied(12, load: null);
        var caughtUp = downstreams.TakeReport(full: false);
        var quiet = downstreams.TakeReport(full: false);

        // Assert
        Assert.Empty(slack.Edges);
        Assert.Equal(10, slack.FollowedRevision);
        var laggard = Assert.Single(behind.Edges);
        Assert.Equal(("edge-3", 10L, false), (laggard.EdgeId, laggard.AppliedRevision, laggard.Follower));
        Assert.Equal(12, behind.FollowedRevision);
        var moved = Assert.Single(moving.Edges);
        Assert.Equal(("edge-3", 11L, false), (moved.EdgeId, moved.AppliedRevision, moved.Follower));
        var rejoined = Assert.Single(caughtUp.Edges);
        Assert.Equal(("edge-3", true), (rejoined.EdgeId, rejoined.Follower));
        Assert.Equal(12, caughtUp.FollowedRevision);
        Assert.Empty(quiet.Edges);
    }

    [Fact]
    public void TakeReport_EdgeThatAcknowledgedNothing_IsNoFollower()
    {
        // Arrange: a new stream (a snapshot on its way) must not be shown at the followers' revision.
        var downstreams = Downstreams();
        downstreams.Connect(Hello("edge-1")).OnApplied(10, load: null);
        downstreams.Connect(Hello("edge-2"));

        // Act
        var full = downstreams.TakeReport(full: true);

        // Assert
        var fresh = Assert.Single(full.Edges, static e => e.EdgeId == "edge-2");
        Assert.Equal((0L, false), (fresh.AppliedRevision, fresh.Follower));
        Assert.Equal(10, full.FollowedRevision);
    }

    [Fact]
    public void TakeReport_LoadThatBarelyMoved_IsHeldBackUntilItMovesOrGetsOld()
    {
        // Arrange: would catch a relay that forwards every load report (a busy edge's numbers differ
        // in every one), or one that holds back a real change.
        var downstreams = Downstreams();
        var stream = downstreams.Connect(Hello("edge-1"));
        stream.OnApplied(10, Load(p95: 20, rps: 100));
        var full = downstreams.TakeReport(full: true);

        // Act
        stream.OnApplied(10, Load(p95: 21, rps: 104));
        var jitter = downstreams.TakeReport(full: false);
        stream.OnApplied(10, Load(p95: 30, rps: 104));
        var slower = downstreams.TakeReport(full: false);
        stream.OnApplied(10, Load(p95: 30.5, rps: 105));
        _time.Advance(RelayDownstreams.LoadRefresh);
        var refreshed = downstreams.TakeReport(full: false);

        // Assert
        Assert.Equal(20, Assert.Single(full.Edges).Load.P95Ms);
        Assert.Empty(jitter.Edges);
        Assert.Equal(30, Assert.Single(slower.Edges).Load.P95Ms);
        Assert.Equal(30.5, Assert.Single(refreshed.Edges).Load.P95Ms);
    }

    [Fact]
    public void TakeReport_NewAndGoneEdges_IntroducesTheNewOneAndNamesTheGoneOne()
    {
        // Arrange
        var downstreams = Downstreams();
        var leaving = downstreams.Connect(Hello("edge-1"));
        downstreams.Connect(Hello("edge-2"));
        downstreams.TakeReport(full: true);
        downstreams.Disconnect(leaving);
        downstreams.Connect(Hello("edge-3"));

        // Act
        var delta = downstreams.TakeReport(full: false);

        // Assert
        Assert.Equal(["edge-1"], delta.GoneEdgeIds);
        var introduced = Assert.Single(delta.Edges);
        Assert.Equal("edge-3", introduced.EdgeId);
        Assert.Equal("eu-west", introduced.Region);
        Assert.Equal("https://edge-3.example.com", introduced.PublicUrl);
    }

    [Fact]
    public void TakeDueReport_ManyAcksWithinTheInterval_GoOutAsOneReport()
    {
        // Arrange: would catch a relay that reports after every acknowledgement.
        var downstreams = Downstreams();
        var stream = downstreams.Connect(Hello("edge-1"));
        downstreams.TakeReport(full: true);

        // Act
        stream.OnApplied(11, load: null);
        var early = downstreams.TakeDueReport();
        stream.OnApplied(12, load: null);
        _time.Advance(TimeSpan.FromSeconds(1));
        var due = downstreams.TakeDueReport();
        var nothingChanged = downstreams.TakeDueReport();

        // Assert
        Assert.Null(early);
        Assert.Equal(12, Assert.Single(due!.Edges).AppliedRevision);
        Assert.Null(nothingChanged);
    }

    private RelayDownstreams Downstreams()
        => new(_time, Options.Create(new RelayOptions { ReportInterval = TimeSpan.FromSeconds(1) }));

    private static EdgeLoad Load(double p95, double rps) => new() { P50Ms = p95 / 2, P95Ms = p95, P99Ms = p95 * 2, RequestsPerSecond = rps, Requests = (long)(rps * 60) };

    private static WatchRequest Hello(string edgeId)
        => new() { EdgeId = edgeId, Region = "eu-west", PublicUrl = "https://" + edgeId + ".example.com", FromRevision = 10, ProtocolVersion = 2 };
}
