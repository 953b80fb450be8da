using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.Edge.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static EdgeCommerce.Edge.Tests.Infrastructure.CatalogData;

namespace EdgeCommerce.Edge.Tests.Sync;

/// <summary>
/// The backoff, and the worker against a scripted origin (<see cref="FakeOrigin"/>) on TestServer,
/// reached through <see cref="OriginChannels"/>' handler seam. The worker's clock is fake: a
/// reconnect happens only when a test moves it, so every stream a test sees is one it expects.
/// </summary>
public sealed class SyncWorkerTests
{
    private const int Samples = 500;

    private static readonly SyncOptions s_options = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromSeconds(5),
    };

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1, 200)]
    [InlineData(2, 400)]
    [InlineData(3, 800)]
    [InlineData(5, 3200)]
    public void Backoff_BelowCap_StaysWithinHalfCeilingAndCeiling(int failures, double ceilingMs)
    {
        // Arrange
        var ceiling = TimeSpan.FromMilliseconds(ceilingMs);

        // Act
        var delays = Sample(failures);

        // Assert
        Assert.All(delays, delay => Assert.InRange(delay, ceiling / 2, ceiling));
        Assert.True(delays.Distinct().Count() > 1, "Backoff is expected to be jittered.");
    }

    [Fact]
    public void Backoff_EachFailure_DoublesTheRange()
    {
        // Arrange
        var previous = Sample(0);

        for (var failures = 1; failures <= 5; failures++)
        {
            // Act
            var current = Sample(failures);

            // Assert: equal jitter over [c/2, c] then [c, 2c]: every delay is at least any earlier one.
            Assert.True(current.Min() >= previous.Max(), $"failures={failures}: {current.Min()} < {previous.Max()}");
            Assert.True(current.Max() <= previous.Min() * 4, $"failures={failures}: {current.Max()} > 4 x {previous.Min()}");
            previous = current;
        }
    }

    [Theory]
    [InlineData(6)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public void Backoff_ManyFailures_CappedAtMaxBackoff(int failures)
    {
        // Arrange
        var max = s_options.MaxBackoff;

        // Act
        var delays = Sample(failures);

        // Assert
        Assert.All(delays, delay => Assert.InRange(delay, max / 2, max));
    }

    [Fact]
    public void Backoff_LongestConfigurableRange_CapsBeforeOverflow()
    {
        // Arrange: the widest range the options allow.
        var options = new SyncOptions { InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMinutes(10) };

        // Act
        var delays = Enumerable.Range(0, Samples).Select(_ => SyncWorker.Backoff(options, int.MaxValue)).ToArray();

        // Assert: 10 ms x 2^16 is past 10 minutes, so the cap holds.
        Assert.All(delays, delay => Assert.InRange(delay, options.MaxBackoff / 2, options.MaxBackoff));
    }

    // Timeouts only guard against a hung stream (a missing message would otherwise wait forever); no test measures time.
    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_NewEdge_SendsHelloThenAcksTheSnapshotAndEachBatch()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = await WorkerHarness.StartAsync(cancellationToken);
        var stream = await edge.NextStreamAsync(cancellationToken);

        // Act
        await stream.SendAsync(new Heartbeat { HeadRevision = 5, ClusterId = "cluster-1" }, cancellationToken);
        await stream.SendChunkedAsync(Snapshot(5, CatalogOf("a", 3, "p1"), CatalogOf("b", 5, "p2"), CatalogOf("c", 4, "p3")), perChunk: 2, cancellationToken);
        var snapshotAck = await stream.NextAckAsync(cancellationToken);
        await stream.SendAsync(Batch(5, 6, Upsert(CatalogOf("a", 6, "p1", "p4"))), cancellationToken);
        var firstBatchAck = await stream.NextAckAsync(cancellationToken);
        await stream.SendAsync(Batch(6, 8, Upsert(CatalogOf("d", 7, "p5")), Delete(8, "b")), cancellationToken);
        var secondBatchAck = await stream.NextAckAsync(cancellationToken);
        await stream.SendAsync(new Heartbeat { HeadRevision = 9, ClusterId = "cluster-1" }, cancellationToken);
        await stream.SendAsync(Batch(8, 9, Delete(9, "c")), cancellationToken);
        var thirdBatchAck = await stream.NextAckAsync(cancellationToken);

        // Assert: the heartbeats are not acknowledged; every applied snapshot and batch is, once.
        Assert.Equal(new WatchRequest
        {
            EdgeId = WorkerHarness.EdgeId,
            Region = "eu-west",
            PublicUrl = "https://edge-eu-1.example.com",
            FromRevision = 0,
            ProtocolVersion = SyncWorker.ProtocolVersion,
            ClusterId = "",
        }, stream.Hello);
        Assert.Equal(2u, stream.Hello.ProtocolVersion);
        Assert.Equal([5L, 6L, 8L, 9L], new[] { snapshotAck, firstBatchAck, secondBatchAck, thirdBatchAck }.Select(static a => a.AppliedRevision));
        Assert.All(new[] { snapshotAck, firstBatchAck, secondBatchAck, thirdBatchAck }, static a => Assert.Null(a.Rejection));

        var replica = edge.Holder.Current;
        Assert.Equal((9L, "cluster-1"), (replica.Revision, replica.ClusterId));
        Assert.Equal(["a", "d"], replica.Creators.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(6, replica.Find("a")!.Revision);
        Assert.True(edge.State.Connected);
        Assert.Equal((1L, 4L, 9L), (edge.State.SnapshotsReceived, edge.State.ChangesApplied, edge.State.HeadRevision));
        Assert.Equal("http://origin-a/", edge.State.OriginAddress);
        Assert.Empty(edge.Errors);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_BatchThatDoesNotFollow_NacksWithTheReasonThenResumesFromTheHeldRevision()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = await WorkerHarness.StartAsync(cancellationToken);
        var first = await edge.NextStreamAsync(cancellationToken);
        await first.SendAsync(new Heartbeat { HeadRevision = 5, ClusterId = "cluster-1" }, cancellationToken);
        await first.SendChunkedAsync(Snapshot(5, CatalogOf("a", 5, "p1")), perChunk: 1, cancellationToken);
        await first.NextAckAsync(cancellationToken);

        // Act: a batch following 4 while the replica holds 5 (a lost or reordered message).
        await first.SendAsync(Batch(4, 7, Upsert(CatalogOf("a", 7, "p2"))), cancellationToken);
        var nack = await first.NextAckAsync(cancellationToken);
        var afterNack = await first.RemainingAsync(cancellationToken);
        var second = await edge.NextStreamAsync(cancellationToken);
        await second.SendAsync(new Heartbeat { HeadRevision = 7, ClusterId = "cluster-1" }, cancellationToken);
        await second.SendAsync(Batch(5, 7, Upsert(CatalogOf("b", 6, "p3")), Upsert(CatalogOf("a", 7, "p2"))), cancellationToken);
        var resumedAck = await second.NextAckAsync(cancellationToken);

        // Assert
        Assert.Equal(5, nack.AppliedRevision);
        Assert.NotNull(nack.Rejection);
        Assert.Equal(7, nack.Rejection.Revision);
        Assert.Contains("follows revision 4", nack.Rejection.Reason, StringComparison.Ordinal);
        Assert.Contains("holds 5", nack.Rejection.Reason, StringComparison.Ordinal);
        // The edge closed its side right after the NACK, and acknowledged nothing of the refused batch.
        Assert.Empty(afterNack);

        Assert.Equal(("origin-a", 5L, "cluster-1", 2u), (second.Host, second.Hello.FromRevision, second.Hello.ClusterId, second.Hello.ProtocolVersion));
        Assert.Equal(7, resumedAck.AppliedRevision);
        Assert.Null(resumedAck.Rejection);
        Assert.Equal(7, edge.Holder.Current.Revision);
        Assert.Contains((LogLevel.Warning, 1105), edge.Logger.Entries.Select(static e => (e.Level, e.EventId)));
        Assert.Equal(1, edge.State.Reconnects);
        Assert.Empty(edge.Errors);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_SnapshotChunkWithoutBegin_RefusedAndReopenedWithTheReplicaUntouched()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = await WorkerHarness.StartAsync(cancellationToken);
        var first = await edge.NextStreamAsync(cancellationToken);
        await first.SendAsync(new Heartbeat { HeadRevision = 5, ClusterId = "cluster-1" }, cancellationToken);

        // Act
        await first.SendAsync(new WatchResponse { SnapshotChunk = new SnapshotChunk { Creators = { CatalogOf("a", 5, "p1") } } }, cancellationToken);
        await first.HungUp.WaitAsync(cancellationToken);
        var unacknowledged = await first.RemainingAsync(cancellationToken);
        var second = await edge.NextStreamAsync(cancellationToken);

        // Assert: the worker treats it as a refused message (ReplicaApplyException, event 1105).
        Assert.DoesNotContain(unacknowledged, static m => m.Ack is { Rejection: null });
        Assert.False(edge.Holder.Current.HasSnapshot);
        Assert.Contains(1105, edge.Logger.Entries.Select(static e => e.EventId));
        Assert.IsType<ReplicaApplyException>(edge.Logger.Entries.First(static e => e.EventId == 1105).Exception);
        Assert.Equal((0L, ""), (second.Hello.FromRevision, second.Hello.ClusterId));
        Assert.Empty(edge.Errors);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_SnapshotEndNotMatchingItsBegin_KeepsTheOldReplicaAndResumesFromIt()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = await WorkerHarness.StartAsync(cancellationToken);
        var first = await edge.NextStreamAsync(cancellationToken);
        await first.SendAsync(new Heartbeat { HeadRevision = 5, ClusterId = "cluster-1" }, cancellationToken);
        await first.SendChunkedAsync(Snapshot(5, CatalogOf("a", 5, "p1")), perChunk: 1, cancellationToken);
        await first.NextAckAsync(cancellationToken);

        // Act: announces two creators at 9, sends one.
        await first.SendAsync(new WatchResponse { SnapshotBegin = new SnapshotBegin { Revision = 9, Creators = 2 } }, cancellationToken);
        await first.SendAsync(new WatchResponse { SnapshotChunk = new SnapshotChunk { Creators = { CatalogOf("b", 9, "p2") } } }, cancellationToken);
        await first.SendAsync(new WatchResponse { SnapshotEnd = new SnapshotEnd { Revision = 9, Creators = 2 } }, cancellationToken);
        await first.HungUp.WaitAsync(cancellationToken);
        var afterRefusal = await first.RemainingAsync(cancellationToken);
        var second = await edge.NextStreamAsync(cancellationToken);

        // Assert
        Assert.DoesNotContain(afterRefusal, static m => m.Ack is { Rejection: null });
        Assert.Equal(5, edge.Holder.Current.Revision);
        Assert.Equal(["a"], edge.Holder.Current.Creators.Keys);
        Assert.Equal((5L, "cluster-1"), (second.Hello.FromRevision, second.Hello.ClusterId));
        Assert.Contains(1105, edge.Logger.Entries.Select(static e => e.EventId));
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_WholeSnapshotMessage_AppliedAndAcknowledged()
    {
        // Arrange: an origin may still send the version 1 Snapshot message on a Sync stream.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = await WorkerHarness.StartAsync(cancellationToken);
        var stream = await edge.NextStreamAsync(cancellationToken);

        // Act
        await stream.SendAsync(new Heartbeat { HeadRevision = 4, ClusterId = "cluster-1" }, cancellationToken);
        await stream.SendAsync(new WatchResponse { Snapshot = Snapshot(4, CatalogOf("a", 4, "p1")) }, cancellationToken);
        var ack = await stream.NextAckAsync(cancellationToken);

        // Assert
        Assert.Equal(4, ack.AppliedRevision);
        Assert.Equal((4L, "cluster-1"), (edge.Holder.Current.Revision, edge.Holder.Current.ClusterId));
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_OriginThatDeliversNothing_FailsOverToTheNextAddressAndStaysThere()
    {
        // Arrange: origin-a refuses every stream; origin-b serves.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = await WorkerHarness.StartAsync(static host => host == "origin-a" ? StatusCode.Unavailable : null, cancellationToken, "http://origin-a", "http://origin-b");

        // Act
        var first = await edge.NextStreamAsync(cancellationToken);
        await first.SendAsync(new Heartbeat { HeadRevision = 3, ClusterId = "cluster-1" }, cancellationToken);
        await first.SendChunkedAsync(Snapshot(3, CatalogOf("a", 3, "p1")), perChunk: 1, cancellationToken);
        await first.NextAckAsync(cancellationToken);
        first.End();
        var second = await edge.NextStreamAsync(cancellationToken);

        // Assert: a stream that delivered something keeps the worker on its origin.
        Assert.Equal("origin-b", first.Host);
        Assert.Equal((0L, ""), (first.Hello.FromRevision, first.Hello.ClusterId));
        Assert.Equal("origin-b", second.Host);
        Assert.Equal((3L, "cluster-1"), (second.Hello.FromRevision, second.Hello.ClusterId));
        Assert.Equal("http://origin-b/", edge.State.OriginAddress);
        var events = edge.Logger.Entries.Select(static e => e.EventId).ToList();
        Assert.Contains(1104, events);
        Assert.Contains(1103, events);
        Assert.Empty(edge.Errors);
    }

    /// <summary>
    /// Would catch an edge that fell back (its relay gone) and stayed on the fallback for as long as
    /// that stream lasted, and one that came back with a snapshot instead of its revision.
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_OnAFallback_ReturnsToThePreferredAddressOnceItIsBack_FromTheHeldRevision()
    {
        // Arrange: origin-a (the regional relay) is down at first; origin-b serves.
        var cancellationToken = TestContext.Current.CancellationToken;
        var back = new TaskCompletionSource();
        await using var edge = await WorkerHarness.StartAsync(host => host == "origin-a" && !back.Task.IsCompleted ? StatusCode.Unavailable : null, cancellationToken, "http://origin-a", "http://origin-b");
        var fallback = await edge.FollowTheFallbackAsync(cancellationToken);

        // Act: origin-a is back; the clock moves past the return interval.
        back.SetResult();
        var returned = await edge.NextStreamAsync(cancellationToken);

        // Assert: the edge left the live fallback stream itself and resumed at origin-a from revision 3.
        Assert.Equal("origin-b", fallback.Host);
        Assert.Equal("origin-a", returned.Host);
        Assert.Equal((3L, "cluster-1"), (returned.Hello.FromRevision, returned.Hello.ClusterId));
        Assert.True(fallback.HungUp.IsCompleted, "the fallback stream was expected to be ended by the edge");
        Assert.Equal("http://origin-a/", edge.State.OriginAddress);
        Assert.Contains(1118, edge.Logger.Entries.Select(static e => e.EventId));
        Assert.Empty(edge.Errors);
    }

    /// <summary>Would catch a return attempt that strands the edge (or backs off) while the preferred address is still gone.</summary>
    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_ReturnAttemptWhileThePreferredIsStillDown_BackOnTheFallbackFromTheHeldRevision()
    {
        // Arrange: origin-a refuses every stream.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var edge = await WorkerHarness.StartAsync(static host => host == "origin-a" ? StatusCode.Unavailable : null, cancellationToken, "http://origin-a", "http://origin-b");
        var fallback = await edge.FollowTheFallbackAsync(cancellationToken);
        var failuresBefore = edge.Logger.Entries.Count(static e => e.EventId == 1104);

        // Act
        var next = await edge.NextStreamAsync(cancellationToken);

        // Assert: it tried origin-a (and said so), then went straight back to origin-b from revision 3.
        Assert.Equal("origin-b", next.Host);
        Assert.Equal((3L, "cluster-1"), (next.Hello.FromRevision, next.Hello.ClusterId));
        Assert.True(fallback.HungUp.IsCompleted);
        Assert.Contains(1118, edge.Logger.Entries.Select(static e => e.EventId));
        Assert.Equal(failuresBefore, edge.Logger.Entries.Count(static e => e.EventId == 1104));
        Assert.Empty(edge.Errors);
    }

    /// <summary>
    /// Would catch a return to a preferred address that is up but hung (a relay that accepts the
    /// stream and sends nothing): the edge would sit without any stream for a whole idle timeout
    /// (here ten minutes, past the test's timeout) at every return.
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_ReturnAttemptToAHungPreferredAddress_BackOnTheFallbackAfterTheReturnTimeout()
    {
        // Arrange: origin-a is down at first, then accepts streams and never answers them.
        var cancellationToken = TestContext.Current.CancellationToken;
        var hung = new TaskCompletionSource();
        await using var edge = await WorkerHarness.StartAsync(host => host == "origin-a" && !hung.Task.IsCompleted ? StatusCode.Unavailable : null, cancellationToken, "http://origin-a", "http://origin-b");
        var fallback = await edge.FollowTheFallbackAsync(cancellationToken);
        var failuresBefore = edge.Logger.Entries.Count(static e => e.EventId == 1104);

        // Act: the clock passes the return interval; origin-a takes the stream and stays silent.
        hung.SetResult();
        var attempt = await edge.NextStreamAsync(cancellationToken);
        var back = await edge.NextStreamAsync(cancellationToken);

        // Assert: it gave origin-a its return timeout, said so, and went straight back to origin-b from revision 3.
        Assert.Equal("origin-a", attempt.Host);
        Assert.Equal("origin-b", back.Host);
        Assert.Equal((3L, "cluster-1"), (back.Hello.FromRevision, back.Hello.ClusterId));
        Assert.True(attempt.HungUp.IsCompleted, "the unanswered stream was expected to be ended by the edge");
        Assert.Contains(1119, edge.Logger.Entries.Select(static e => e.EventId));
        Assert.Equal(failuresBefore, edge.Logger.Entries.Count(static e => e.EventId == 1104));
        Assert.Empty(edge.Errors);
    }

    private static TimeSpan[] Sample(int failures)
        => [.. Enumerable.Range(0, Samples).Select(_ => SyncWorker.Backoff(s_options, failures))];

    /// <summary>A worker with its own replica, state and fake clock, following a <see cref="FakeOrigin"/>.</summary>
    private sealed class WorkerHarness : IAsyncDisposable
    {
        public const string EdgeId = "edge-eu-1";

        private readonly HttpMessageHandler _handler;
        private readonly OriginChannels _channels;
        private readonly ReplicaUpdater _updater;
        private readonly SyncWorker _worker;

        private WorkerHarness(FakeOrigin origin, string[] addresses)
        {
            Origin = origin;
            State = new SyncState(Time);
            _updater = new ReplicaUpdater(Holder, State, new NullOutputCacheStore(), new SigningKeyRing(), NullLogger<ReplicaUpdater>.Instance);
            var syncOptions = Options.Create(new SyncOptions
            {
                OriginAddress = new Uri(addresses[0]),
                OriginAddresses = [.. addresses.Skip(1).Select(static a => new Uri(a))],
                // Far beyond any test: only the fake clock decides when the worker reconnects.
                IdleTimeout = TimeSpan.FromMinutes(10),
            });
            _handler = origin.CreateHandler();
            _channels = new OriginChannels(syncOptions, new SyncCredentials(syncOptions), _handler);
            var edgeOptions = Options.Create(new EdgeOptions { Id = EdgeId, Region = "eu-west", PublicUrl = "https://edge-eu-1.example.com" });
            _worker = new SyncWorker(_channels, Holder, _updater, State, edgeOptions, syncOptions, Time, Logger);
        }

        public FakeOrigin Origin { get; }

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

        public ReplicaHolder Holder { get; } = new();

        public SyncState State { get; }

        public ListLogger<SyncWorker> Logger { get; } = new();

        public IEnumerable<(LogLevel Level, int EventId, Exception? Exception)> Errors => Logger.Entries.Where(static e => e.Level >= LogLevel.Error);

        public static Task<WorkerHarness> StartAsync(CancellationToken cancellationToken, params string[] addresses)
            => StartAsync(static _ => null, cancellationToken, addresses);

        /// <summary>Starts the worker against origins that already <paramref name="refuse"/> (set before its first stream, never racing it).</summary>
        public static async Task<WorkerHarness> StartAsync(Func<string, StatusCode?> refuse, CancellationToken cancellationToken, params string[] addresses)
        {
            var origin = await FakeOrigin.StartAsync(cancellationToken);
            origin.Refuse = refuse;
            var harness = new WorkerHarness(origin, addresses.Length > 0 ? addresses : ["http://origin-a"]);
            await harness._worker.StartAsync(cancellationToken);
            return harness;
        }

        /// <summary>
        /// The next stream the worker opens. Reconnects wait out a backoff on the fake clock, so
        /// keep moving it until the stream arrives rather than guessing when the delay is armed.
        /// </summary>
        public async Task<OriginStream> NextStreamAsync(CancellationToken cancellationToken)
        {
            var next = Origin.NextStreamAsync(cancellationToken).AsTask();
            while (!next.IsCompleted)
            {
                Time.Advance(TimeSpan.FromSeconds(1));
                await Task.WhenAny(next, Task.Delay(10, cancellationToken));
            }

            return await next;
        }

        /// <summary>The first stream (the preferred address refusing): a snapshot at revision 3 of cluster-1, acknowledged.</summary>
        public async Task<OriginStream> FollowTheFallbackAsync(CancellationToken cancellationToken)
        {
            var fallback = await NextStreamAsync(cancellationToken);
            await fallback.SendAsync(new Heartbeat { HeadRevision = 3, ClusterId = "cluster-1" }, cancellationToken);
            await fallback.SendChunkedAsync(Snapshot(3, CatalogOf("a", 3, "p1")), perChunk: 1, cancellationToken);
            await fallback.NextAckAsync(cancellationToken);
            return fallback;
        }

        public async ValueTask DisposeAsync()
        {
            await _worker.StopAsync(CancellationToken.None);
            _worker.Dispose();
            _channels.Dispose();
            _updater.Dispose();
            _handler.Dispose();
            await Origin.DisposeAsync();
        }
    }
}
