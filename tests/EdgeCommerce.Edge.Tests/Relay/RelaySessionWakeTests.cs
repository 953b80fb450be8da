using System.Collections.Frozen;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Relay;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Edge.Tests.Relay;

/// <summary>
/// How a relay's downstream streams wait: on the log's one wake (an append or the log's heartbeat
/// tick), not on a timer of their own per wait.
/// </summary>
public sealed class RelaySessionWakeTests
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task RunAsync_IdleStreams_ShareOneHeartbeatTimerAndGetABatchWhenItIsAppended()
    {
        // Arrange: would catch a session that starts a timer per stream and wait again (a relay
        // with thousands of streams then creates and cancels thousands of timers per batch).
        using var relay = new Relay();
        var (time, log) = (relay.Time, relay.Log);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var writers = new[] { new RecordingWriter(), new RecordingWriter() };
        // Started as the server starts them: on the thread pool, without the test's context.
        var runs = writers.Select((writer, i) => writer.Run = Task.Run(() => relay.Session("edge-" + i, writer).RunAsync(stop.Token), TestContext.Current.CancellationToken)).ToList();
        foreach (var writer in writers)
        {
            await writer.WaitForAsync(1);
        }

        // Act: an idle interval, then a batch.
        time.Advance(s_interval);
        foreach (var writer in writers)
        {
            await writer.WaitForAsync(2);
        }

        log.Append(Batch(10, 11));
        foreach (var writer in writers)
        {
            await writer.WaitForAsync(3);
        }

        await stop.CancelAsync();
        foreach (var run in runs)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        }

        // Assert: opening heartbeat, the tick's heartbeat, the batch; one timer for both streams.
        foreach (var writer in writers)
        {
            Assert.Equal(
                [WatchResponse.KindOneofCase.Heartbeat, WatchResponse.KindOneofCase.Heartbeat, WatchResponse.KindOneofCase.Changes],
                writer.Written.Select(static r => r.KindCase));
            Assert.Equal(11, writer.Written[2].Changes.Revision);
        }

        Assert.Equal(1, time.TimersCreated);
    }

    [Fact]
    public async Task RunAsync_StreamThatJustGotABatch_IsNotHeartbeatenAtTheNextTick()
    {
        // Arrange: would catch a shared tick that heartbeats every stream whatever it just sent.
        using var relay = new Relay();
        var (time, log) = (relay.Time, relay.Log);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var writer = new RecordingWriter();
        var run = writer.Run = Task.Run(() => relay.Session("edge-0", writer).RunAsync(stop.Token), TestContext.Current.CancellationToken);
        await writer.WaitForAsync(1);
        time.Advance(s_interval * 0.8);
        log.Append(Batch(10, 11));
        // A session whose first look came after this advance heartbeats before the batch: what
        // follows the batch is what this test is about.
        var throughBatch = await writer.WaitForAsync(static r => r.KindCase == WatchResponse.KindOneofCase.Changes);

        // Act: the tick comes 0.2 intervals after the batch; the one after it finds the stream idle.
        time.Advance(s_interval * 0.2);
        var afterFirstTick = writer.Written.Count;
        time.Advance(s_interval);
        await writer.WaitForAsync(throughBatch + 1);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        // Assert
        Assert.Equal(throughBatch, afterFirstTick);
        Assert.Equal(
            [WatchResponse.KindOneofCase.Changes, WatchResponse.KindOneofCase.Heartbeat],
            writer.Written.Skip(throughBatch - 1).Select(static r => r.KindCase));
        Assert.All(writer.Written.Take(throughBatch - 1), static r => Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, r.KindCase));
    }

    /// <summary>A relay whose replica and log are at revision 10, on counting fake time.</summary>
    private sealed class Relay : IDisposable
    {
        private readonly RelayOptions _options = new() { HeartbeatInterval = s_interval };
        private readonly ReplicaHolder _holder = new();
        private readonly RelayDownstreams _downstreams;

        public Relay()
        {
            Log = new RelayChangeLog(Options.Create(_options), Time);
            _holder.Swap(CatalogReplica.Empty.ApplySnapshot(new Snapshot { Revision = 10 }, "cluster-a").Replica);
            Log.Reset(10);
            _downstreams = new RelayDownstreams(Time, Options.Create(_options));
        }

        public CountingTimeProvider Time { get; } = new();

        public RelayChangeLog Log { get; }

        /// <summary>A downstream edge's session from revision 10, writing to <paramref name="writer"/>.</summary>
        public RelaySession Session(string edgeId, RecordingWriter writer)
        {
            var hello = new WatchRequest { EdgeId = edgeId, FromRevision = 10, ClusterId = "cluster-a", ProtocolVersion = SyncWorker.ProtocolVersion };
            var token = new AccessToken(edgeId, null, FrozenSet<string>.Empty, null, Time.GetUtcNow().AddDays(1), "key-1", "token-" + edgeId);
            return new RelaySession(_holder, Log, _options, new EdgeOptions { Id = "relay-1" }, Time, NullLogger.Instance, hello, token, writer, _downstreams.Connect(hello));
        }

        public void Dispose() => Log.Dispose();
    }

    private static ChangeBatch Batch(long previous, long revision)
    {
        var batch = new ChangeBatch { PreviousRevision = previous, Revision = revision };
        batch.Changes.Add(new Change { Revision = revision, CreatorDeleted = new CreatorDeleted { CreatorId = "creator-" + revision } });
        return batch;
    }

    /// <summary>Fake time that counts the timers asked of it.</summary>
    private sealed class CountingTimeProvider : FakeTimeProvider
    {
        private int _timers;

        public CountingTimeProvider()
            : base(new DateTimeOffset(2026, 12, 7, 4, 0, 0, TimeSpan.Zero))
        {
        }

        public int TimersCreated => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    /// <summary>A downstream stream's writer that keeps what was written.</summary>
    private sealed class RecordingWriter : IServerStreamWriter<WatchResponse>
    {
        private readonly Lock _gate = new();
        private readonly List<WatchResponse> _written = [];
        private TaskCompletionSource _wrote = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public WriteOptions? WriteOptions { get; set; }

        public IReadOnlyList<WatchResponse> Written
        {
            get
            {
                lock (_gate)
                {
                    return [.. _written];
                }
            }
        }

        public Task WriteAsync(WatchResponse message, CancellationToken cancellationToken) => WriteAsync(message);

        public Task WriteAsync(WatchResponse message)
        {
            TaskCompletionSource wrote;
            lock (_gate)
            {
                _written.Add(message);
                wrote = _wrote;
                _wrote = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            wrote.TrySetResult();
            return Task.CompletedTask;
        }

        /// <summary>The session writing here: a session that fails fails the wait instead of hanging it.</summary>
        public Task? Run { get; set; }

        /// <summary>Until a message matching <paramref name="match"/> was written; returns how many were written through it.</summary>
        public async Task<int> WaitForAsync(Func<WatchResponse, bool> match)
        {
            for (var count = 1; ; count++)
            {
                await WaitForAsync(count);
                var written = Written;
                var index = written.ToList().FindIndex(r => match(r));
                if (index >= 0)
                {
                    return index + 1;
                }

                count = written.Count;
            }
        }

        /// <summary>Until at least <paramref name="count"/> messages were written.</summary>
        public async Task WaitForAsync(int count)
        {
            while (true)
            {
                Task wrote;
                lock (_gate)
                {
                    if (_written.Count >= count)
                    {
                        return;
                    }

                    wrote = _wrote.Task;
                }

                if (Run is { } run && await Task.WhenAny(wrote, run).WaitAsync(TestContext.Current.CancellationToken) == run)
                {
                    await run;
                    throw new InvalidOperationException($"The session ended after {count - 1} or fewer writes.");
                }

                await wrote.WaitAsync(TestContext.Current.CancellationToken);
            }
        }
    }
}
