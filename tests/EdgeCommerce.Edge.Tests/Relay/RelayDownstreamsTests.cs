using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Relay;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Edge.Tests.Relay;

/// <summary>The relay's reports of its downstream edges to the origin: one full, then only what changed, coalesced.</summary>
public sealed class RelayDownstreamsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TakeReport_AfterAFullOne_HoldsOnlyTheEdgesThatChanged()
    {
        // Arrange: would catch a relay that lists every edge on every report (the origin's work per
        // write then grows with the edges behind the relay).
        var downstreams = Downstreams();
        var streams = Enumerable.Range(1, 4).Select(i => downstreams.Connect(Hello($"edge-{i}"))).ToList();
        foreach (var stream in streams)
        {
            stream.OnApplied(10, load: null);
        }

        var full = downstreams.TakeReport(full: true);
        streams[1].OnApplied(11, load: null);
        streams[3].OnApplied(11, load: null);

        // Act
        var delta = downstreams.TakeReport(full: false);

        // Assert
        Assert.False(full.Delta);
        Assert.Equal(4, full.Edges.Count);
        Assert.All(full.Edges, static e => Assert.Equal("https://" + e.EdgeId + ".example.com", e.PublicUrl));
        Assert.True(delta.Delta);
        Assert.Equal(["edge-2", "edge-4"], delta.Edges.Select(static e => e.EdgeId).Order(StringComparer.Ordinal));
        Assert.All(delta.Edges, static e => Assert.Equal(11, e.AppliedRevision));
        // Known to the origin already: the identity is not sent again.
        Assert.All(delta.Edges, static e => Assert.Equal("", e.PublicUrl));
        Assert.Empty(downstreams.TakeReport(full: false).Edges);
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

    private static WatchRequest Hello(string edgeId)
        => new() { EdgeId = edgeId, Region = "eu-west", PublicUrl = "https://" + edgeId + ".example.com", FromRevision = 10, ProtocolVersion = 2 };
}
