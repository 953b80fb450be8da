using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Origin.Tests.Edges;

public sealed class EdgeRegistryTests
{
    private static readonly DateTimeOffset s_start = new(2025, 6, 1, 20, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(s_start);

    [Fact]
    public void OnConnected_NewEdge_IsListedConnectedAtItsFromRevision()
    {
        // Arrange
        var registry = new EdgeRegistry(_time);

        // Act
        registry.OnConnected("edge-1", "eu-west", "https://edge-1.example.com", 2, 7);

        // Assert
        var record = Assert.Single(registry.Local());
        Assert.Equal(new EdgeRecord("edge-1", "eu-west", "https://edge-1.example.com", 2, 7, true, s_start, null), record);
    }

    [Fact]
    public void OnConnected_EachStream_GetsANewToken()
    {
        // Arrange
        var registry = new EdgeRegistry(_time);

        // Act
        var first = registry.OnConnected("edge-1", "eu-west", "", 2, 0);
        var second = registry.OnConnected("edge-1", "eu-west", "", 2, 0);
        var other = registry.OnConnected("edge-2", "eu-west", "", 2, 0);

        // Assert
        Assert.Equal(3, new[] { first, second, other }.Distinct().Count());
    }

    [Fact]
    public void OnApplied_CurrentToken_RecordsRevisionRejectionAndContact()
    {
        // Arrange
        var registry = new EdgeRegistry(_time);
        var token = registry.OnConnected("edge-1", "eu-west", "", 2, 0);
        _time.Advance(TimeSpan.FromSeconds(5));

        // Act
        registry.OnApplied("edge-1", token, 10);
        registry.OnApplied("edge-1", token, 10, "The batch follows revision 9, but this replica holds 10.");
        var rejected = Assert.Single(registry.Local());
        registry.OnApplied("edge-1", token, 12);

        // Assert: a later ack keeps the last rejection for operators.
        Assert.Equal("The batch follows revision 9, but this replica holds 10.", rejected.LastRejection);
        var record = Assert.Single(registry.Local());
        Assert.Equal(12, record.AppliedRevision);
        Assert.Equal(rejected.LastRejection, record.LastRejection);
        Assert.Equal(s_start.AddSeconds(5), record.LastContact);
    }

    [Fact]
    public void Update_StaleStreamOfAReconnectedEdge_IsIgnored()
    {
        // Arrange: the edge reconnected before its old stream noticed it was gone.
        var registry = new EdgeRegistry(_time);
        var stale = registry.OnConnected("edge-1", "eu-west", "", 2, 5);
        var current = registry.OnConnected("edge-1", "eu-west", "", 2, 8);
        registry.OnApplied("edge-1", current, 9);
        var before = Assert.Single(registry.Local());
        _time.Advance(TimeSpan.FromSeconds(5));

        // Act
        registry.OnApplied("edge-1", stale, 6, "stale rejection");
        registry.OnContact("edge-1", stale);
        registry.OnDisconnected("edge-1", stale);

        // Assert
        Assert.Equal(before, Assert.Single(registry.Local()));
        Assert.True(before.Connected);
        Assert.Equal(9, before.AppliedRevision);
    }

    [Fact]
    public void OnDisconnected_CurrentToken_MarksTheEdgeGone()
    {
        // Arrange
        var registry = new EdgeRegistry(_time);
        var token = registry.OnConnected("edge-1", "eu-west", "", 2, 5);

        // Act
        registry.OnDisconnected("edge-1", token);

        // Assert
        var record = Assert.Single(registry.Local());
        Assert.False(record.Connected);
        Assert.Equal(5, record.AppliedRevision);
    }

    [Fact]
    public void OnConnected_AfterARejection_ClearsIt()
    {
        // Arrange
        var registry = new EdgeRegistry(_time);
        var token = registry.OnConnected("edge-1", "eu-west", "", 2, 5);
        registry.OnApplied("edge-1", token, 5, "refused");

        // Act
        registry.OnConnected("edge-1", "eu-central", "https://moved.example.com", 2, 5);

        // Assert
        var record = Assert.Single(registry.Local());
        Assert.Null(record.LastRejection);
        Assert.Equal(("eu-central", "https://moved.example.com"), (record.Region, record.PublicUrl));
    }

    [Fact]
    public void Update_UnknownEdge_DoesNothing()
    {
        // Arrange
        var registry = new EdgeRegistry(_time);

        // Act
        registry.OnApplied("edge-1", 1, 5);
        registry.OnContact("edge-1", 1);
        registry.OnDisconnected("edge-1", 1);

        // Assert
        Assert.Empty(registry.Local());
        Assert.Empty(registry.TakeDirty());
    }

    [Fact]
    public void OnContact_CurrentToken_MovesLastContact()
    {
        // Arrange
        var registry = new EdgeRegistry(_time);
        var token = registry.OnConnected("edge-1", "eu-west", "", 2, 5);
        _time.Advance(TimeSpan.FromSeconds(2));

        // Act
        registry.OnContact("edge-1", token);

        // Assert
        Assert.Equal(s_start.AddSeconds(2), Assert.Single(registry.Local()).LastContact);
    }

    [Fact]
    public void TakeDirty_ChangedEntries_ReturnedOnceUntilTheyChangeAgain()
    {
        // Arrange
        var registry = new EdgeRegistry(_time);
        var one = registry.OnConnected("edge-1", "eu-west", "", 2, 0);
        registry.OnConnected("edge-2", "eu-west", "", 2, 0);

        // Act
        var first = registry.TakeDirty();
        var second = registry.TakeDirty();
        registry.OnApplied("edge-1", one, 3);
        var third = registry.TakeDirty();

        // Assert
        Assert.Equal(["edge-1", "edge-2"], first.Select(static r => r.Id).Order(StringComparer.Ordinal));
        Assert.Empty(second);
        var changed = Assert.Single(third);
        Assert.Equal(("edge-1", 3L), (changed.Id, changed.AppliedRevision));
        Assert.Equal(2, registry.Local().Count);
    }

    [Fact]
    public void TakeDirty_StaleUpdate_DoesNotDirtyTheEntry()
    {
        // Arrange
        var registry = new EdgeRegistry(_time);
        var stale = registry.OnConnected("edge-1", "eu-west", "", 2, 0);
        registry.OnConnected("edge-1", "eu-west", "", 2, 0);
        registry.TakeDirty();

        // Act
        registry.OnApplied("edge-1", stale, 3);

        // Assert
        Assert.Empty(registry.TakeDirty());
    }

    [Fact]
    public void DisconnectAll_ConnectedEdges_MarkedGoneAndDirtyOnce()
    {
        // Arrange: edge-2 already left and was flushed.
        var registry = new EdgeRegistry(_time);
        registry.OnConnected("edge-1", "eu-west", "", 2, 4);
        var two = registry.OnConnected("edge-2", "eu-west", "", 2, 4);
        registry.OnDisconnected("edge-2", two);
        registry.TakeDirty();
        _time.Advance(TimeSpan.FromSeconds(1));

        // Act
        registry.DisconnectAll();
        var dirty = registry.TakeDirty();
        registry.DisconnectAll();

        // Assert
        var record = Assert.Single(dirty);
        Assert.Equal(("edge-1", false, s_start.AddSeconds(1)), (record.Id, record.Connected, record.LastContact));
        Assert.All(registry.Local(), static r => Assert.False(r.Connected));
        Assert.Empty(registry.TakeDirty());
    }
}
