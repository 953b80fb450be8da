using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Relay;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Tests.Relay;

/// <summary>An idle relay's heartbeats to its downstream streams: encoded once per tick, not once per stream.</summary>
public sealed class RelayHeartbeatTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Heartbeat_SameHeadWithinASecond_IsOneEncodingForEveryStream()
    {
        // Arrange: would catch a relay that serializes a heartbeat per downstream stream again.
        var log = new RelayChangeLog(Options.Create(new RelayOptions()));

        // Act
        var first = log.Heartbeat(12, "cluster-a", s_now);
        var second = log.Heartbeat(12, "cluster-a", s_now.AddMilliseconds(400));
        var later = log.Heartbeat(12, "cluster-a", s_now.AddSeconds(2));
        var moved = log.Heartbeat(13, "cluster-a", s_now.AddSeconds(2));

        // Assert
        Assert.Same(first, second);
        Assert.NotNull(first.EncodedBytes);
        Assert.Equal(new WatchResponse { Heartbeat = new Heartbeat { HeadRevision = 12, OriginTimeUnixMs = s_now.ToUnixTimeMilliseconds(), ClusterId = "cluster-a" } }.ToByteArray(), first.EncodedBytes);
        Assert.NotSame(first, later);
        Assert.Equal(13, moved.Heartbeat.HeadRevision);
    }
}
