using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Origin.Tests.Edges;

/// <summary>The directory over a fake store (head, commit times, other replicas' records) and a real registry.</summary>
public sealed class EdgeDirectoryTests
{
    private const long Head = 10;

    private static readonly DateTimeOffset s_start = new(2025, 6, 1, 20, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(s_start);
    private readonly FakeOriginStore _store = new() { Head = Head };
    private readonly EdgeRegistry _registry;
    private readonly RoutingOptions _routing = new()
    {
        Adjacency = { ["eu-west"] = ["eu-central", "us-east"] },
        MaxLag = TimeSpan.FromSeconds(30),
        ContactTimeout = TimeSpan.FromSeconds(10),
    };

    public EdgeDirectoryTests()
    {
        _registry = new EdgeRegistry(_time);
        for (var revision = 1; revision <= Head; revision++)
        {
            // Revision r was committed (10 - r) seconds ago: the head just now.
            _store.RevisionTimes[revision] = s_start.AddSeconds(revision - Head);
        }
    }

    [Theory]
    [InlineData("eu-west", new[] { "d-west", "c-central", "b-us", "a-south" })]
    [InlineData("us-east", new[] { "b-us", "a-south", "c-central", "d-west" })]
    [InlineData("nowhere", new[] { "a-south", "b-us", "c-central", "d-west" })]
    [InlineData(null, new[] { "a-south", "b-us", "c-central", "d-west" })]
    public async Task NearestAsync_AdjacencyTable_RanksSameRegionThenAdjacencyInOrderThenOthers(string? region, string[] expected)
    {
        // Arrange: every edge caught up; only regions differ. us-east has no adjacency entry.
        Connect("a-south", "ap-south", Head);
        Connect("b-us", "us-east", Head);
        Connect("c-central", "eu-central", Head);
        Connect("d-west", "eu-west", Head);

        // Act
        var nearest = await NewDirectory().NearestAsync(region, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(expected, nearest.Select(static e => e.Id));
    }

    [Fact]
    public async Task NearestAsync_SameRank_LeastLagFirstThenId()
    {
        // Arrange
        Connect("w-b", "eu-west", Head);
        Connect("w-c", "eu-west", Head - 1);
        Connect("w-a", "eu-west", Head);
        Connect("c-a", "eu-central", Head - 2);
        Connect("c-b", "eu-central", Head);

        // Act
        var nearest = await NewDirectory().NearestAsync("eu-west", TestContext.Current.CancellationToken);

        // Assert: rank outweighs lag; within a rank the least lag, then the id.
        Assert.Equal(["w-a", "w-b", "w-c", "c-b", "c-a"], nearest.Select(static e => e.Id));
    }

    [Theory]
    [InlineData("disconnected")]
    [InlineData("contact timed out")]
    [InlineData("stored by a crashed replica")]
    [InlineData("lag over MaxLag")]
    [InlineData("first missing change compacted")]
    [InlineData("no public url")]
    public async Task NearestAsync_UnhealthyOrUnreachableEdge_Excluded(string problem)
    {
        // Arrange
        switch (problem)
        {
            case "disconnected":
                _registry.OnDisconnected("bad", Connect("bad", "eu-west", Head));
                break;
            case "contact timed out":
                Connect("bad", "eu-west", Head);
                _time.Advance(_routing.ContactTimeout + TimeSpan.FromMilliseconds(1));
                break;
            case "stored by a crashed replica":
                // Another origin replica wrote it connected, then died without saying otherwise.
                _store.Edges.Add(new EdgeRecord("bad", "eu-west", "https://bad.example.com", 2, Head, true, s_start - _routing.ContactTimeout - TimeSpan.FromSeconds(1), null));
                break;
            case "lag over MaxLag":
                Connect("bad", "eu-west", Head - 1);
                _store.RevisionTimes[Head] = s_start - _routing.MaxLag - TimeSpan.FromMilliseconds(1);
                break;
            case "first missing change compacted":
                Connect("bad", "eu-west", Head - 3);
                _store.RevisionTimes.Remove(Head - 2);
                break;
            case "no public url":
                Connect("bad", "eu-west", Head, url: "");
                break;
        }

        Connect("ok", "us-east", Head);

        // Act
        var directory = NewDirectory();
        var nearest = await directory.NearestAsync("eu-west", TestContext.Current.CancellationToken);
        var listed = (await directory.ListAsync(TestContext.Current.CancellationToken)).Edges.Single(static e => e.Id == "bad");

        // Assert: still listed for admins, never offered to browsers.
        Assert.Equal(["ok"], nearest.Select(static e => e.Id));
        Assert.Equal(problem == "no public url", listed.Healthy);
    }

    [Fact]
    public async Task NearestAsync_AtTheLimits_StillHealthy()
    {
        // Arrange: contact exactly ContactTimeout ago, first missing change exactly MaxLag old.
        Connect("edge", "eu-west", Head - 1);
        _time.Advance(_routing.ContactTimeout);
        _store.RevisionTimes[Head] = _time.GetUtcNow() - _routing.MaxLag;

        // Act
        var nearest = await NewDirectory().NearestAsync("eu-west", TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(["edge"], nearest.Select(static e => e.Id));
    }

    [Fact]
    public async Task ListAsync_EdgeBehind_ReportsLagInRevisionsAndSeconds()
    {
        // Arrange: revision 8 is the first the edge lacks.
        Connect("edge", "eu-west", 7);
        _store.RevisionTimes[8] = s_start.AddSeconds(-12.5);

        // Act
        var list = await NewDirectory().ListAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(Head, list.HeadRevision);
        var edge = Assert.Single(list.Edges);
        Assert.Equal((7L, 3L, (double?)12.5, true, true), (edge.AppliedRevision, edge.LagRevisions, edge.LagSeconds, edge.Connected, edge.Healthy));
        Assert.Equal(("eu-west", "https://edge.example.com", 2), (edge.Region, edge.Url, edge.ProtocolVersion));
    }

    [Fact]
    public async Task ListAsync_EdgeCaughtUpOrAhead_HasNoLag()
    {
        // Arrange: "ahead" holds another cluster's higher revision until its snapshot arrives.
        Connect("caught-up", "eu-west", Head);
        Connect("ahead", "eu-west", Head + 5);

        // Act
        var list = await NewDirectory().ListAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.All(list.Edges, static e => Assert.Equal((0L, (double?)0.0), (e.LagRevisions, e.LagSeconds)));
    }

    [Fact]
    public async Task ListAsync_FirstMissingChangeCompacted_LagSecondsUnknownAndUnhealthy()
    {
        // Arrange
        Connect("edge", "eu-west", 2);
        _store.RevisionTimes.Remove(3);

        // Act
        var edge = Assert.Single((await NewDirectory().ListAsync(TestContext.Current.CancellationToken)).Edges);

        // Assert
        Assert.Equal(8, edge.LagRevisions);
        Assert.Null(edge.LagSeconds);
        Assert.True(edge.Connected);
        Assert.False(edge.Healthy);
    }

    [Fact]
    public async Task ListAsync_StoredAndLocalRecords_FresherWinsAndAllAreListedById()
    {
        // Arrange: "moved" reconnected to another replica after leaving this one; "here" is this
        // process's edge with a stale stored copy; "elsewhere" was only ever seen by another replica.
        var movedToken = Connect("moved", "eu-west", 5);
        _registry.OnDisconnected("moved", movedToken);
        Connect("here", "eu-west", 9);
        _store.Edges.Add(new EdgeRecord("moved", "eu-west", "https://moved.example.com", 2, 8, true, s_start.AddSeconds(1), null));
        _store.Edges.Add(new EdgeRecord("here", "eu-west", "https://here.example.com", 2, 3, false, s_start.AddSeconds(-1), null));
        _store.Edges.Add(new EdgeRecord("elsewhere", "us-east", "https://elsewhere.example.com", 1, Head, true, s_start, null));

        // Act
        var edges = (await NewDirectory().ListAsync(TestContext.Current.CancellationToken)).Edges;

        // Assert
        Assert.Equal(["elsewhere", "here", "moved"], edges.Select(static e => e.Id));
        Assert.Equal((1, Head, true), (edges[0].ProtocolVersion, edges[0].AppliedRevision, edges[0].Connected));
        Assert.Equal((9L, true), (edges[1].AppliedRevision, edges[1].Connected));
        Assert.Equal((8L, true), (edges[2].AppliedRevision, edges[2].Connected));
    }

    private EdgeDirectory NewDirectory() => new(_store, _registry, Options.Create(_routing), _time);

    private long Connect(string id, string region, long appliedRevision, string? url = null)
    {
        var token = _registry.OnConnected(id, region, url ?? $"https://{id}.example.com", 2, appliedRevision);
        return token;
    }
}
